// go-verify LEAF ROOT: Go's crypto/x509 Verify of LEAF with ROOT as the only root (any EKU).
// Prints OK or FAIL <reason>; exit status 0 or 1. Used by the trust-anchor interop test.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

func load(p string) *x509.Certificate {
	b, err := os.ReadFile(p)
	if err != nil {
		panic(err)
	}
	blk, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		panic(err)
	}
	return c
}

func main() {
	roots := x509.NewCertPool()
	roots.AddCert(load(os.Args[2]))
	opts := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := load(os.Args[1]).Verify(opts); err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
	fmt.Println("OK")
}
