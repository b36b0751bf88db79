"""Benchmark: ``certbench inspect --json`` and ``certbench verify`` against openssl doing the same job.

1. A 5,000-certificate PEM bundle (a root, an intermediate and 4,998 leaves it signed, shuffled so the
   chain doctor has work to do): ``certbench inspect --json B`` (read, describe every certificate with
   fingerprints, link every leaf by signature, build chains, findings) against
   ``openssl crl2pkcs7 -nocrl -certfile B | openssl pkcs7 -print_certs -noout`` (read and print subjects).
   Also ``openssl x509 -noout -fingerprint -sha256`` run over the same bundle split into files is NOT done
   (5,000 processes); the pipe above is openssl's fastest way through a bundle.
2. One chain, ``certbench verify`` against ``openssl verify`` (``-untrusted``/``-CAfile``), N runs each.

The certificates are inputs to both tools (generated once with ``cryptography``, one reused EC key for the
leaves), not something under test. Whole commands are timed, interpreter and process start-up included.
Prints times, ratios certbench / openssl (aim: at most 1.5 for inspect) and certbench's peak memory.
"""

from __future__ import annotations

import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

COUNT = 5000
ROUNDS = 5
VERIFY_RUNS = 20
AT = "2026-01-15T12:00:00Z"


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Benchmark"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


def make_pki(count: int) -> tuple[x509.Certificate, x509.Certificate, list[x509.Certificate]]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    root_key, inter_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))

    def build(
        subject: str,
        issuer: str,
        key: ec.EllipticCurvePrivateKey,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
        serial: int,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name(issuer))
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=3650 if ca else 730))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False)
        )
        if not ca:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
        else:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        return builder.sign(signer, hashes.SHA256())

    root = build("Bench Root CA", "Bench Root CA", root_key, root_key, True, 1)
    inter = build("Bench Issuing CA", "Bench Root CA", inter_key, root_key, True, 2)
    leaves = [
        build(f"client{i:05d}.bench.example", "Bench Issuing CA", leaf_key, inter_key, False, 10 + i)
        for i in range(count - 2)
    ]
    return root, inter, leaves


def pem(certificates: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def timed(
    command: list[str] | str, *, shell: bool = False, rounds: int = ROUNDS, accept: tuple[int, ...] = (0,)
) -> tuple[float, float]:
    """(best wall-clock seconds, best CPU seconds of the command's processes) over ``rounds`` runs.

    CPU time is printed too because on a busy machine wall-clock ratios mostly measure the load."""
    best_wall = best_cpu = float("inf")
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(command, shell=shell, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode not in accept:
            raise SystemExit(
                f"{command!r} failed ({result.returncode}): {result.stderr.decode(errors='replace')[:400]}"
            )
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu = min(best_wall, elapsed), min(best_cpu, cpu)
    return best_wall, best_cpu


def report(
    ours_label: str, ours: tuple[float, float], theirs_label: str, theirs: tuple[float, float], aim: str
) -> None:
    print(f"  {ours_label:<40} {ours[0]:7.3f} s wall  {ours[1]:7.3f} s CPU")
    print(f"  {theirs_label:<40} {theirs[0]:7.3f} s wall  {theirs[1]:7.3f} s CPU")
    print(f"  {'ratio certbench / openssl':<40} {ours[0] / theirs[0]:7.2f} wall {ours[1] / theirs[1]:7.2f} CPU ({aim})")


def main() -> int:
    certbench = shutil.which("certbench", path=str(Path(sys.executable).parent)) or shutil.which("certbench")
    if certbench is None or shutil.which("openssl") is None:
        print("certbench and openssl must be on PATH", file=sys.stderr)
        return 2
    root, inter, leaves = make_pki(COUNT)
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        bundle = folder / "bundle.pem"
        everything = [root, inter, *leaves]
        random.Random(5000).shuffle(everything)
        bundle.write_bytes(pem(everything))
        (folder / "root.pem").write_bytes(pem([root]))
        (folder / "inter.pem").write_bytes(pem([inter]))
        (folder / "leaf.pem").write_bytes(pem([leaves[0]]))

        # Interleaved rounds, so both tools see the same machine load; best of each, and the median of the
        # per-round CPU ratios (steadier than either on a shared machine).
        ours_runs, theirs_runs = [], []
        for _ in range(ROUNDS):
            ours_runs.append(timed([certbench, "inspect", "--json", "--at", AT, str(bundle)], rounds=1, accept=(0, 1)))
            theirs_runs.append(
                timed(
                    f"openssl crl2pkcs7 -nocrl -certfile {bundle} | openssl pkcs7 -print_certs -noout",
                    shell=True,
                    rounds=1,
                )
            )
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ours = (min(r[0] for r in ours_runs), min(r[1] for r in ours_runs))
        theirs = (min(r[0] for r in theirs_runs), min(r[1] for r in theirs_runs))
        print(f"inspect {COUNT} certificates (root + intermediate + {COUNT - 2} leaves, shuffled), best of {ROUNDS}:")
        report("certbench inspect --json", ours, "openssl crl2pkcs7 | pkcs7 -print_certs", theirs, "aim: <= 1.5")
        median = statistics.median(o[1] / t[1] for o, t in zip(ours_runs, theirs_runs, strict=True))
        print(f"  {'median per-round CPU ratio':<40} {median:7.2f}")
        print(f"  certbench peak memory                    {peak_mib:7.1f} MiB  (aim: < 200)")

        leaf, inter_pem, root_pem = (str(folder / name) for name in ("leaf.pem", "inter.pem", "root.pem"))
        ours = timed([certbench, "verify", leaf, inter_pem, "--trust", root_pem, "--at", AT], rounds=VERIFY_RUNS)
        theirs = timed(
            ["openssl", "verify", "-attime", "1768478400", "-CAfile", root_pem, "-untrusted", inter_pem, leaf],
            rounds=VERIFY_RUNS,
        )
        print(f"verify one chain (leaf, intermediate, root), best of {VERIFY_RUNS}:")
        report("certbench verify", ours, "openssl verify", theirs, "Python start-up dominates")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
