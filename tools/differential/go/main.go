// Command verify is the Go peer of the differential harness: it reads cases as JSON, one per
// line on stdin ({"id", "certs": [root PEM, intermediate PEMs..., leaf PEM], "at": seconds,
// "host" or "ip"}), verifies each leaf with crypto/x509 for serverAuth, trusting only the root,
// and prints one JSON line per case: {"id", "ok", "reason"}. Standard library only.
package main

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

type input struct {
	ID    int      `json:"id"`
	Certs []string `json:"certs"`
	At    int64    `json:"at"`
	Host  string   `json:"host"`
	IP    string   `json:"ip"`
}

type output struct {
	ID     int    `json:"id"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
}

func parse(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParseCertificate(block.Bytes)
}

func verify(in input) error {
	if len(in.Certs) < 2 {
		return errors.New("a case needs a root and a leaf")
	}
	certs := make([]*x509.Certificate, len(in.Certs))
	for i, text := range in.Certs {
		c, err := parse(text)
		if err != nil {
			return fmt.Errorf("parse certificate %d: %w", i, err)
		}
		certs[i] = c
	}
	roots := x509.NewCertPool()
	roots.AddCert(certs[0])
	intermediates := x509.NewCertPool()
	for _, c := range certs[1 : len(certs)-1] {
		intermediates.AddCert(c)
	}
	name := in.Host
	if in.IP != "" {
		name = in.IP // crypto/x509 matches an IP address given as DNSName against IP SANs
	}
	_, err := certs[len(certs)-1].Verify(x509.VerifyOptions{
		DNSName:       name,
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   time.Unix(in.At, 0).UTC(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for scanner.Scan() {
		var in input
		if err := json.Unmarshal(scanner.Bytes(), &in); err != nil {
			fmt.Fprintln(os.Stderr, "bad input line:", err)
			os.Exit(2)
		}
		result := output{ID: in.ID, OK: true}
		if err := verify(in); err != nil {
			result.OK, result.Reason = false, err.Error()
		}
		if err := out.Encode(result); err != nil {
			os.Exit(2)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(2)
	}
}
