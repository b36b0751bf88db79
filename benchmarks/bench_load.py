"""Benchmark: reading 5,000-certificate inputs with certbench's loader against openssl/keytool reading them.

Inputs (certificates generated once with ``cryptography``; the containers made by the real tools):
- a PEM bundle (``cat``),
- a DER PKCS#7 (``openssl crl2pkcs7 -nocrl -certfile B -outform DER``),
- a certificates-only PKCS#12 (``openssl pkcs12 -export -nokeys``),
- a JKS truststore (``keytool -importkeystore`` from a Java-trust PKCS#12 written by cryptography).

certbench: ``python -c "load_file(...)"`` as a whole process (interpreter start-up and imports included),
so the comparison with a tool's process is fair. The tools: ``openssl pkcs7 -print_certs -noout``
(PEM via ``crl2pkcs7`` in a pipe, as bench_inspect does), ``openssl pkcs12 -nokeys -out /dev/null`` and
``keytool -list``. Prints best-of-N times, the ratio certbench / tool and certbench's peak memory.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_truststore import make_certificates  # the same 5,000 certificates as the truststore benchmark
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

COUNT = 5000
ROUNDS = 3
PASSWORD = "Bench-Pass1"

LOADER = """
import resource, sys
from certbench.core.formats.load import load_file
material = load_file(sys.argv[1], sys.argv[2].encode() if len(sys.argv) > 2 else None)
assert len(material.certificates) == int(sys.argv[3] if len(sys.argv) > 3 else {count}), len(material.certificates)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def best_of(rounds: int, command: list[str] | str, *, shell: bool = False) -> tuple[float, str]:
    best = float("inf")
    output = ""
    for _ in range(rounds):
        started = time.perf_counter()
        result = subprocess.run(command, shell=shell, capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - started)
        output = result.stdout
    return best, output


def main() -> int:
    for tool in ("openssl", "keytool"):
        if shutil.which(tool) is None:
            print(f"skipped: {tool} not found")
            return 0
    with tempfile.TemporaryDirectory() as scratch:
        d = Path(scratch)
        print(f"making {COUNT} certificates...", flush=True)
        bundle = d / "bundle.pem"
        certificates = make_certificates(COUNT)
        bundle.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
        p7b, p12, jks = d / "bundle.p7b", d / "bundle.p12", d / "bundle.jks"
        subprocess.run(
            ["openssl", "crl2pkcs7", "-nocrl", "-certfile", bundle, "-outform", "DER", "-out", p7b], check=True
        )
        subprocess.run(
            ["openssl", "pkcs12", "-export", "-nokeys", "-in", bundle, "-passout", f"pass:{PASSWORD}", "-out", p12],
            check=True,
        )
        # keytool imports only certificates marked trusted for Java: cryptography writes that mark
        # (openssl 3.0 has no -jdktrust), keytool turns it into a JKS of 5,000 trustedCertEntry.
        java_p12 = d / "java-trust.p12"
        java_p12.write_bytes(
            pkcs12.serialize_java_truststore(
                [pkcs12.PKCS12Certificate(c, f"c{i}".encode()) for i, c in enumerate(certificates)],
                serialization.BestAvailableEncryption(PASSWORD.encode()),
            )
        )
        subprocess.run(
            ["keytool", "-importkeystore", "-noprompt", "-srckeystore", java_p12, "-srcstoretype", "PKCS12",
             "-srcstorepass", PASSWORD, "-destkeystore", jks, "-deststoretype", "JKS", "-deststorepass", PASSWORD],
            check=True, capture_output=True,
        )  # fmt: skip
        loader = LOADER.format(count=COUNT)
        cases = [
            (
                "PEM bundle",
                [bundle],
                f"openssl crl2pkcs7 -nocrl -certfile {bundle} | openssl pkcs7 -print_certs -noout",
            ),
            ("PKCS#7 DER", [p7b], f"openssl pkcs7 -inform DER -in {p7b} -print_certs -noout"),
            ("PKCS#12", [p12, PASSWORD], f"openssl pkcs12 -in {p12} -nokeys -passin pass:{PASSWORD} -out /dev/null"),
            ("JKS", [jks, PASSWORD], f"keytool -list -keystore {jks} -storepass {PASSWORD} -storetype JKS"),
        ]
        print(f"{'input':<12} {'certbench':>10} {'tool':>10} {'ratio':>7} {'peak MiB':>9}")
        for label, args, tool_command in cases:
            ours, out = best_of(ROUNDS, [sys.executable, "-c", loader, *map(str, args)])
            theirs, _ = best_of(ROUNDS, tool_command, shell=True)
            peak_mib = int(out.strip()) / 1024
            print(f"{label:<12} {ours:>9.2f}s {theirs:>9.2f}s {ours / theirs:>7.2f} {peak_mib:>9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
