"""Benchmark: a 5,000-certificate truststore, certbench against keytool.

certbench builds a JKS and a PKCS#12 truststore from a PEM bundle of 5,000 CA certificates (the
whole ``certbench trust build`` command, interpreter start-up included). keytool does the closest job
it can do in one JVM: ``keytool -importkeystore`` from a PKCS#12 truststore of the same 5,000
certificates into a JKS (a PEM bundle would need one ``keytool -importcert`` JVM per certificate, the
slow loop people run today). The input certificates are generated once by ``cryptography`` with one
reused EC key (they are inputs to both tools, not something under test).

Prints the times and the ratio keytool / certbench (above 1 means certbench is faster).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

COUNT = 5000
PASSWORD = "changeit"
ROUNDS = 3


def make_certificates(count: int) -> list[x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime(2025, 1, 1, tzinfo=UTC)
    certificates = []
    for index in range(count):
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Benchmark"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"Benchmark Root CA {index:05d}"),
            ]
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(index + 1)
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        certificates.append(certificate)
    return certificates


def best_of(rounds: int, run: Callable[[], None]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    keytool = shutil.which("keytool")
    if keytool is None:
        print("keytool not found: install a JDK to compare", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-truststore-") as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        certificates = make_certificates(COUNT)
        bundle = directory / "bundle.pem"
        bundle.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
        source_p12 = directory / "source.p12"
        source_p12.write_bytes(
            pkcs12.serialize_java_truststore(
                [pkcs12.PKCS12Certificate(c, f"ca-{i:05d}".encode()) for i, c in enumerate(certificates)],
                serialization.BestAvailableEncryption(PASSWORD.encode()),
            )
        )
        print(f"generated {COUNT} CA certificates in {time.perf_counter() - started:.1f}s")
        env = {**os.environ, "BENCH_PW": PASSWORD, "CERTBENCH_WORKSPACE": str(directory / "ws")}

        def certbench(fmt: str) -> None:
            out = directory / f"ours.{fmt}"
            subprocess.run(
                [sys.executable, "-m", "certbench", "trust", "build", "--out", str(out), "--format", fmt,
                 "--password-env", "BENCH_PW", "--force", "--json", str(bundle)],
                check=True, env=env, stdout=subprocess.DEVNULL,
            )  # fmt: skip

        def keytool_import() -> None:
            out = directory / "keytool.jks"
            out.unlink(missing_ok=True)
            subprocess.run(
                [keytool, "-importkeystore", "-noprompt", "-srckeystore", str(source_p12), "-srcstoretype", "PKCS12",
                 "-srcstorepass", PASSWORD, "-destkeystore", str(out), "-deststoretype", "JKS",
                 "-deststorepass", PASSWORD],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip

        ours_jks = best_of(ROUNDS, lambda: certbench("jks"))
        ours_p12 = best_of(ROUNDS, lambda: certbench("p12"))
        theirs = best_of(ROUNDS, keytool_import)
        print(f"certbench trust build PEM -> JKS     : {ours_jks:6.2f}s (best of {ROUNDS})")
        print(f"certbench trust build PEM -> PKCS#12 : {ours_p12:6.2f}s (best of {ROUNDS})")
        print(f"keytool -importkeystore PKCS#12 -> JKS: {theirs:6.2f}s (best of {ROUNDS}, one JVM)")
        print(f"ratio keytool / certbench (JKS)    : {theirs / ours_jks:5.2f}x")
        print(f"ratio keytool / certbench (PKCS#12): {theirs / ours_p12:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
