"""Benchmark: hostile and careless inputs at scale must neither hang nor eat the machine.

Every shape below is run as a whole ``certbench`` command (interpreter start-up included) and must
finish in under 10 s with a peak resident size under 500 MiB (issue 11, §3). Prints one row per shape:
wall time, CPU time, peak memory, exit code, and whether it met the bound.

Shapes (10,000 certificates or 50 MB each, at ``--scale 1``):

- same-name issuers: 5,000 CAs all named ``CN=Same Name CA`` (each its own key) and 5,000 leaves naming
  it as issuer, each signed by one of them; with key identifiers (SKI/AKI) and without (names only, the
  worst case for linking). Run through ``inspect``, ``check --profile sap-apim`` and ``bind add``.
- unterminated PEM: 50 MB of ``-----BEGIN CERTIFICATE-----`` lines (and of BEGIN lines without the
  closing dashes), then nothing.
- huge bundle: 10,000 distinct certificates of one chain, with 50 MB of text between the blocks.
- repeated PEM: one certificate repeated to 50 MB.
- ``--trust`` with 10,000 anchors.
- a named pipe with no writer, and ``/dev/zero`` as a JAR, a CSR, an OpenSSL config and a password file.

The certificates are inputs (generated with ``cryptography``, EC P-256), not something under test.
``--scale 0.03 --python-path OLD/src --timeout 120`` runs a smaller set against another source tree (how
the "before" figures in the README were taken: the old code needed minutes where this needs seconds).
"""

from __future__ import annotations

import argparse
import os
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

CERTIFICATES = 10_000
BYTES = 50 * 1024 * 1024
LIMIT_SECONDS = 10.0
LIMIT_MIB = 500.0
AT = "2026-01-15T12:00:00Z"
START = datetime(2025, 1, 1, tzinfo=UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _certificate(
    subject: str,
    issuer: str,
    key: ec.EllipticCurvePrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    serial: int,
    *,
    ca: bool,
    key_ids: bool,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=3650 if ca else 730))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if key_ids:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        if not ca:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
            )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def same_name_pairs(pairs: int, *, key_ids: bool) -> list[x509.Certificate]:
    """``pairs`` self-signed CAs all named 'Same Name CA', each with a leaf it signed (leaves first)."""
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    cas, leaves = [], []
    for index in range(pairs):
        key = ec.generate_private_key(ec.SECP256R1())
        cas.append(_certificate("Same Name CA", "Same Name CA", key, key, 2 * index + 1, ca=True, key_ids=key_ids))
        leaves.append(
            _certificate(
                f"client{index:05d}.example", "Same Name CA", leaf_key, key, 2 * index + 2, ca=False, key_ids=key_ids
            )
        )
    return leaves + cas


def one_chain(count: int) -> list[x509.Certificate]:
    root_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = _certificate("Bench Root CA", "Bench Root CA", root_key, root_key, 1, ca=True, key_ids=True)
    leaves = [
        _certificate(f"leaf{i:05d}.example", "Bench Root CA", leaf_key, root_key, 10 + i, ca=False, key_ids=True)
        for i in range(count - 1)
    ]
    return [*leaves, root]


def pem(certificates: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def run(
    command: list[str], env: dict[str, str], timeout: float, memory_cap_mib: float | None = None
) -> tuple[float, float, float, int | None]:
    """(wall s, CPU s, peak MiB, exit code or None when killed at the timeout) of one process."""
    if memory_cap_mib is not None:  # old code reads /dev/zero until memory runs out: not the whole machine's
        command = ["prlimit", f"--as={int(memory_cap_mib * 1024 * 1024)}", *command]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = -9
            return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, None
        time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode


def make_inputs(folder: Path, certificates: int, size: int) -> None:
    """Write every input file into ``folder`` (run in its own process: the benchmark process stays small,
    so the peak memory of each command it starts is that command's own)."""
    for key_ids in (True, False):
        path = folder / f"same-name-{'keyed' if key_ids else 'names-only'}.pem"
        path.write_bytes(pem(same_name_pairs(certificates // 2, key_ids=key_ids)))
    for name, unit in (
        ("begin.pem", b"-----BEGIN CERTIFICATE-----\n"),
        ("begin-nodash.pem", b"-----BEGIN CERTIFICATE\n"),
    ):
        (folder / name).write_bytes(unit * (size // len(unit)))
    blocks = [c.public_bytes(serialization.Encoding.PEM) for c in one_chain(certificates)]
    padding = b"# " + b"x" * 76 + b"\n"
    filler = padding * max(0, (size - sum(map(len, blocks))) // len(padding) // len(blocks))
    (folder / "huge.pem").write_bytes(b"".join(filler + block for block in blocks))
    (folder / "repeated.pem").write_bytes(blocks[0] * (size // len(blocks[0])))
    os.mkfifo(folder / "no-writer.pem")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 10,000 certificates / 50 MB")
    parser.add_argument("--python-path", help="run certbench from this source tree (PYTHONPATH) instead")
    parser.add_argument("--timeout", type=float, default=120.0, help="kill a command after this many seconds")
    parser.add_argument("--memory-cap", type=float, metavar="MIB", help="address-space limit per command")
    parser.add_argument("--only", help="run only the shapes whose name contains this text")
    parser.add_argument("--make", metavar="DIR", help=argparse.SUPPRESS)  # internal: write the inputs into DIR
    args = parser.parse_args()
    certificates = max(20, int(CERTIFICATES * args.scale))
    size = max(1_000_000, int(BYTES * args.scale))
    if args.make:
        make_inputs(Path(args.make), certificates, size)
        return 0
    env = {**os.environ, "CERTBENCH_NOW": AT}
    if args.python_path:
        env["PYTHONPATH"] = args.python_path
    certbench = [sys.executable, "-m", "certbench"]

    with tempfile.TemporaryDirectory(prefix="bench-adversarial-") as tmp:
        folder = Path(tmp)
        workspace = folder / "ws"
        in_workspace = [*certbench, "--workspace", str(workspace)]
        make = [sys.executable, __file__, "--make", str(folder), "--scale", str(args.scale)]
        subprocess.run(make, check=True)
        subprocess.run(
            [*in_workspace, "ca", "create", "CA", "--subject", "/CN=Bench CA", "--key", "ec:p256", "--no-key-password"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        megabytes = f"{size / 1024 / 1024:.0f} MB"
        cases: list[tuple[str, list[str]]] = []
        for kind, label in (("keyed", "with SKI/AKI"), ("names-only", "names only")):
            pairs = f"{certificates // 2:,} same-name CAs + leaves, {label}"
            same_name = str(folder / f"same-name-{kind}.pem")
            cases += [
                (f"inspect: {pairs}", [*certbench, "inspect", "--json", same_name]),
                (f"check sap-apim: {pairs}", [*certbench, "check", "--profile", "sap-apim", "--json", same_name]),
                (f"bind add: {pairs}", [*in_workspace, "bind", "add", "c1", same_name]),
            ]
        cases += [
            (
                f"inspect: {megabytes} of '-----BEGIN CERTIFICATE-----' lines",
                [*certbench, "inspect", str(folder / "begin.pem")],
            ),
            (
                f"inspect: {megabytes} of '-----BEGIN CERTIFICATE' lines (no dashes)",
                [*certbench, "inspect", str(folder / "begin-nodash.pem")],
            ),
            (
                f"inspect: {certificates:,} certificates of one chain in {megabytes} of text",
                [*certbench, "inspect", "--json", str(folder / "huge.pem")],
            ),
            (
                f"inspect: one certificate repeated to {megabytes}",
                [*certbench, "inspect", "--json", str(folder / "repeated.pem")],
            ),
            (
                f"inspect --trust: {certificates:,} anchors (the names-only bundle)",
                [
                    *certbench,
                    "inspect",
                    str(folder / "same-name-keyed.pem"),
                    "--trust",
                    str(folder / "same-name-names-only.pem"),
                ],
            ),
            ("inspect: a named pipe with no writer", [*certbench, "inspect", str(folder / "no-writer.pem")]),
            ("jar check /dev/zero", [*in_workspace, "jar", "check", "/dev/zero"]),
            (
                "inspect --password-file /dev/zero",
                [*certbench, "inspect", str(folder / "huge.pem"), "--password-file", "/dev/zero"],
            ),
            ("ca sign CA /dev/zero", [*in_workspace, "ca", "sign", "CA", "/dev/zero", "--out", str(folder / "x")]),
            (
                "cert create --from-cnf /dev/zero",
                [
                    *in_workspace,
                    "cert",
                    "create",
                    "x",
                    "--issuer",
                    "CA",
                    "--from-cnf",
                    "/dev/zero",
                    "--no-key-password",
                ],
            ),
        ]
        cases = [(name, command) for name, command in cases if not args.only or args.only in name]
        print(f"{'shape':<72} {'wall s':>8} {'CPU s':>7} {'peak MiB':>9} {'exit':>5}  within bounds")
        failed = 0
        for name, command in cases:
            wall, cpu, peak, code = run(command, env, args.timeout, args.memory_cap)
            ok = code is not None and code != 70 and wall < LIMIT_SECONDS and peak < LIMIT_MIB
            failed += not ok
            shown = "killed" if code is None else str(code)
            print(f"{name:<72} {wall:8.2f} {cpu:7.2f} {peak:9.1f} {shown:>5}  {'yes' if ok else 'NO'}", flush=True)
        print(f"bounds: under {LIMIT_SECONDS:.0f} s and {LIMIT_MIB:.0f} MiB each; exit 70 (a bug) or killed fails")
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
