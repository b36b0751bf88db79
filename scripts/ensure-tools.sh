#!/usr/bin/env bash
# Make sure the external tools the interop tests prove our artifacts with are present:
# openssl, keytool and jar (a JDK), unzip, ssh-keygen (OpenSSH key fixtures), the BouncyCastle provider
# (keytool makes the BKS/UBER fixtures with it), strace (the storage tests kill a writer at each syscall). Installs them with apt-get when missing and we are root.
set -euo pipefail
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v keytool >/dev/null || missing+=(default-jdk-headless)
command -v jar >/dev/null || missing+=(default-jdk-headless)
command -v unzip >/dev/null || missing+=(unzip)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v strace >/dev/null || missing+=(strace)
[ -f /usr/share/java/bcprov.jar ] || missing+=(libbcprov-java)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "ensure-tools: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-tools: not root; install ${missing[*]} yourself (e.g. sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2068
apt-get install -y -qq --no-install-recommends $(printf '%s\n' ${missing[@]} | sort -u) >/dev/null
