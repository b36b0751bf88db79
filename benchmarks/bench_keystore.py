"""Benchmark: certbench's keystore bundles against the tools people use for the same job today.

Material: an openssl-made chain (EC P-256 root -> intermediate -> RSA-2048 leaf), given to both sides as
files. Whole commands are timed (interpreter / JVM start-up included), best of ROUNDS:

1. PKCS#12, modern: ``certbench export --format p12`` (AES-256-CBC, PBKDF2 100,000 rounds, SHA-256 MAC)
   against ``openssl pkcs12 -export`` with the same cipher and ``-iter 100000`` (and with openssl's
   default 2,048 rounds, for reference).
2. PKCS#12, legacy: ``certbench export --format p12 --legacy`` against ``openssl pkcs12 -export -legacy``.
3. JKS: ``certbench export --format jks`` against ``keytool -importkeystore`` from a PKCS#12 (keytool
   cannot import a PEM key directly, so the fair comparison is the p12 -> JKS step alone).
4. Keystore JAR: ``certbench jar build`` (checklist included) against the SAP manual procedure:
   ``openssl pkcs8 -topk8`` (encrypt the key) + ``jar -cf`` + ``jar -uf``.

Also prints the in-process build time of each bundle (no start-up), which is what the TUI pays.
Ratios are tool time / certbench time: above 1 means certbench is faster.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROUNDS = 5
IN_PROCESS_RUNS = 10
PASSWORD = "benchpass1"


def best_of(rounds: int, run: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def sh(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, env={**os.environ, **(env or {})})


def make_material(work: Path) -> None:
    sh("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "root.key", cwd=work)
    sh("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "int.key", cwd=work)
    sh("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "leaf.key", cwd=work)
    (work / "ca.ext").write_text("basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n")
    (work / "leaf.ext").write_text("basicConstraints=critical,CA:false\nextendedKeyUsage=clientAuth\n")
    root_ext = ["-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
    sh("openssl", "req", "-x509", "-key", "root.key", "-subj", "/CN=Bench Root", "-days", "3650", "-out", "root.pem",
       *root_ext, cwd=work)  # fmt: skip
    sh("openssl", "req", "-new", "-key", "int.key", "-subj", "/CN=Bench Intermediate", "-out", "int.csr", cwd=work)
    sh("openssl", "x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key", "-set_serial", "2",
       "-days", "1800", "-extfile", "ca.ext", "-out", "int.pem", cwd=work)  # fmt: skip
    sh("openssl", "req", "-new", "-key", "leaf.key", "-subj", "/CN=bench.example.test", "-out", "leaf.csr", cwd=work)
    sh("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "int.pem", "-CAkey", "int.key", "-set_serial", "3",
       "-days", "365", "-extfile", "leaf.ext", "-out", "leaf.pem", cwd=work)  # fmt: skip
    (work / "chain.pem").write_bytes((work / "int.pem").read_bytes() + (work / "root.pem").read_bytes())


def main() -> int:
    for tool in ("openssl", "keytool", "jar"):
        if not shutil.which(tool):
            print(f"{tool} is not installed: skipping the keystore benchmark")
            return 0
    env = {"BENCH_PW": PASSWORD}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_material(work)
        workspace = work / "ws"
        inputs = ["--cert", "leaf.pem", "--key", "leaf.key", "--chain", "chain.pem"]

        def certbench(*args: str) -> Callable[[], None]:
            return lambda: sh(
                sys.executable, "-m", "certbench", "--workspace", str(workspace), *args, cwd=work, env=env
            )

        def openssl_p12(*extra: str) -> Callable[[], None]:
            return lambda: sh("openssl", "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.pem", "-certfile",
                              "chain.pem", "-name", "leaf", "-passout", "env:BENCH_PW", "-out", "o.p12", *extra,
                              cwd=work, env=env)  # fmt: skip

        sh("openssl", "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.pem", "-certfile", "chain.pem",
           "-name", "leaf", "-passout", "env:BENCH_PW", "-out", "src.p12", cwd=work, env=env)  # fmt: skip

        def keytool_jks() -> None:
            (work / "o.jks").unlink(missing_ok=True)
            sh("keytool", "-importkeystore", "-srckeystore", "src.p12", "-srcstoretype", "PKCS12", "-srcstorepass",
               PASSWORD, "-destkeystore", "o.jks", "-deststoretype", "JKS", "-deststorepass", PASSWORD, "-noprompt",
               cwd=work)  # fmt: skip

        def manual_jar() -> None:
            manual = work / "manual"
            shutil.rmtree(manual, ignore_errors=True)
            (manual / "META-INF").mkdir(parents=True)
            (manual / "main.pem").write_bytes((work / "leaf.pem").read_bytes() + (work / "chain.pem").read_bytes())
            sh("openssl", "pkcs8", "-topk8", "-in", str(work / "leaf.key"), "-out", "privateKey.pem", "-passout",
               "env:BENCH_PW", cwd=manual, env=env)  # fmt: skip
            (manual / "META-INF" / "descriptor.properties").write_text("certFile=main.pem\nkeyFile=privateKey.pem\n")
            sh("jar", "-cf", "k.jar", "main.pem", "privateKey.pem", cwd=manual)
            sh("jar", "-uf", "k.jar", "META-INF/descriptor.properties", cwd=manual)

        rows = [
            (
                "PKCS#12 modern (100k rounds)",
                certbench(
                    "export", *inputs, "--format", "p12", "--out", "c.p12", "--password-env", "BENCH_PW", "--force"
                ),
                openssl_p12("-iter", "100000", "-macalg", "sha256"),
                "openssl pkcs12 -export -iter 100000",
            ),
            (
                "PKCS#12 modern (openssl default)",
                certbench(
                    "export", *inputs, "--format", "p12", "--out", "c.p12", "--password-env", "BENCH_PW", "--force"
                ),
                openssl_p12(),
                "openssl pkcs12 -export (2048 rounds)",
            ),
            (
                "PKCS#12 legacy 3DES",
                certbench(
                    "export",
                    *inputs,
                    "--format",
                    "p12",
                    "--legacy",
                    "--out",
                    "c.p12",
                    "--password-env",
                    "BENCH_PW",
                    "--force",
                ),
                openssl_p12("-legacy"),
                "openssl pkcs12 -export -legacy",
            ),
            (
                "JKS",
                certbench(
                    "export", *inputs, "--format", "jks", "--out", "c.jks", "--password-env", "BENCH_PW", "--force"
                ),
                keytool_jks,
                "keytool -importkeystore p12 -> jks",
            ),
            (
                "Keystore JAR",
                certbench("jar", "build", *inputs, "--out", "c.jar", "--key-password-env", "BENCH_PW", "--force"),
                manual_jar,
                "openssl pkcs8 + jar -cf + jar -uf",
            ),
        ]
        print(f"whole commands, best of {ROUNDS} (ratio = tool / certbench; > 1: certbench faster)")
        for label, ours, theirs, tool in rows:
            ours_time = best_of(ROUNDS, ours)
            their_time = best_of(ROUNDS, theirs)
            print(
                f"  {label:<34} certbench {ours_time:6.3f}s   {tool:<38} {their_time:6.3f}s   "
                f"ratio {their_time / ours_time:5.2f}x"
            )

        # In process: what the TUI pays per build (no interpreter start-up).
        from certbench.core import keystore as ks
        from certbench.core.formats.load import load_file

        source = ks.source_from_materials(
            "leaf",
            load_file(work / "leaf.pem"),
            key=load_file(work / "leaf.key"),
            chain=load_file(work / "chain.pem"),
        )
        now = datetime.now(UTC)
        password = PASSWORD.encode()
        builds: list[tuple[str, Callable[[], object]]] = [
            ("p12 modern", lambda: ks.build_export(source, ks.BundleKind.P12, now=now, password=password)),
            ("p12 legacy", lambda: ks.build_export(source, ks.BundleKind.P12, now=now, password=password, legacy=True)),
            ("jks", lambda: ks.build_export(source, ks.BundleKind.JKS, now=now, password=password)),
            ("keystore JAR", lambda: ks.build_keystore_jar(source, now=now, key_password=password)),
            ("pem-chain", lambda: ks.build_export(source, ks.BundleKind.PEM_CHAIN, now=now)),
        ]
        print(f"in process, mean of {IN_PROCESS_RUNS} builds")
        for label, build in builds:
            start = time.perf_counter()
            for _ in range(IN_PROCESS_RUNS):
                build()
            print(f"  {label:<14} {(time.perf_counter() - start) / IN_PROCESS_RUNS * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
