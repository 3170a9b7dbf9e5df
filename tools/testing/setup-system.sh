#!/usr/bin/env bash
# Installs the Debian packages the tests need, when missing: Chromium for the browser conformance
# run, PostgreSQL's server for the store's tests (openssl is on every machine, checked all the same).
# Nothing is started here: the store's tests run their own throwaway PostgreSQL (initdb + pg_ctl
# from /usr/lib/postgresql/*/bin) on loopback. `pg_ctlcluster` (postgresql-common, which the
# server package pulls in) stands for it, since Debian keeps initdb off PATH. Runs `apt-get update` once, only when
# something is missing. Without root or apt-get it says what to install and leaves it to you; the
# tests that need the package then fail with a message naming it.
# Add a package here as: command-it-provides:debian-package (or /path-it-installs:debian-package;
# python3-cryptography-vectors brings NIST PKITS for the limbo harness)
set -uo pipefail
NEEDS=(chromium:chromium openssl:openssl go:golang /usr/lib/python3/dist-packages/cryptography/x509/base.py:python3-cryptography pg_ctlcluster:postgresql /usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data:python3-cryptography-vectors lego:lego pebble:pebble certbot:certbot caddy:caddy systemd-analyze:systemd javac:default-jdk-headless /usr/sbin/update-ca-certificates:ca-certificates nginx:nginx)

missing=()
for need in "${NEEDS[@]}"; do
  what=${need%%:*}
  if [ "${what#/}" != "$what" ]; then [ -e "$what" ] || missing+=("${need##*:}") # a path the package installs
  else command -v "$what" >/dev/null || missing+=("${need##*:}"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "tests need these system packages: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
  exit 0
fi
echo "installing system packages for the tests: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq &&
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null ||
  echo "apt-get install ${missing[*]} failed; the tests that need them will fail" >&2
