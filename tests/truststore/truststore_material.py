"""Test material for the truststore slice, made by openssl and keytool (never hand-typed).

Fixed subjects and validity dates (``openssl ca -startdate/-enddate``) so that listings and snapshots
are stable; keys are fresh EC P-256 keys each session (fingerprints are never shown on screen).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from openssl_ca import ca_config, ca_database
from tool_runner import run_tool

STOREPASS = "changeit"
BIG_COUNT = 5000
WORKERS = 2

CA_CNF = ca_config(
    """
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_server ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = IP:127.0.0.1,DNS:localhost
""",
    subject=(
        "countryName",
        "organizationName",
        "commonName",
    ),
)

#: (file stem, subject, start, end) of the self-signed roots.
ROOTS = (
    ("alpha", "/O=Certbench Test/CN=Alpha Root CA", "20250101000000Z", "20350101000000Z"),
    ("beta", "/O=Certbench Test/CN=Beta Root CA", "20250101000000Z", "20340101000000Z"),
    ("old", "/O=Certbench Test/CN=Old Root CA", "20150101000000Z", "20200101000000Z"),
    ("twin1", "/O=Twin One/CN=Twin Root CA", "20250101000000Z", "20330101000000Z"),
    ("twin2", "/O=Twin Two/CN=Twin Root CA", "20250101000000Z", "20320101000000Z"),
    ("weird", "/O=Certbench Test/CN=[weird] Root CA", "20250101000000Z", "20310101000000Z"),
    ("soon", "/O=Certbench Test/CN=Soon Root CA", "20250101000000Z", "20260201000000Z"),
)


@dataclass(frozen=True)
class TrustMaterial:
    directory: Path
    roots: dict[str, Path]  # stem -> cert PEM
    intermediate: Path
    server_cert: Path
    server_key: Path
    bundle: Path  # every root + intermediate + leaf + alpha again (duplicate)
    p7b: Path  # alpha + beta (PKCS#7 by openssl crl2pkcs7)
    keytool_p12: Path  # alpha + beta imported by keytool into a PKCS#12 truststore (STOREPASS)
    keytool_jks: Path  # alpha + beta imported by keytool into a JKS (STOREPASS)
    garbage: Path


def make_trust_material(directory: Path) -> TrustMaterial:
    ca_dir = directory / "ca"
    ca_database(ca_dir)
    cnf = directory / "ca.cnf"
    cnf.write_text(CA_CNF.format(dir=ca_dir))

    def key(stem: str) -> Path:
        path = directory / f"{stem}.key"
        run_tool(
            "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path, cwd=directory
        )
        return path

    def csr(stem: str, subject: str, key_path: Path) -> Path:
        path = directory / f"{stem}.csr"
        run_tool(
            "openssl", "req", "-new", "-config", cnf, "-key", key_path, "-subj", subject, "-out", path, cwd=directory
        )
        return path

    def sign(stem: str, csr_path: Path, start: str, end: str, ext: str, issuer: tuple[Path, Path] | None) -> Path:
        out = directory / f"{stem}.pem"
        args: list[str | Path] = ["openssl", "ca", "-batch", "-notext", "-config", cnf, "-in", csr_path, "-out", out]
        args += ["-startdate", start, "-enddate", end, "-extensions", ext]
        if issuer is None:
            args += ["-selfsign", "-keyfile", directory / f"{stem}.key"]
        else:
            args += ["-cert", issuer[0], "-keyfile", issuer[1]]
        run_tool(*args, cwd=directory)
        return out

    roots: dict[str, Path] = {}
    for stem, subject, start, end in ROOTS:
        roots[stem] = sign(stem, csr(stem, subject, key(stem)), start, end, "v3_ca", None)
    alpha = (roots["alpha"], directory / "alpha.key")
    inter_key = key("inter")
    intermediate = sign(
        "inter",
        csr("inter", "/O=Certbench Test/CN=Alpha Issuing CA", inter_key),
        "20250101000000Z",
        "20340101000000Z",
        "v3_ca",
        alpha,
    )
    server_key = key("server")
    server = sign(
        "server",
        csr("server", "/CN=localhost", server_key),
        "20250101000000Z",
        "20350101000000Z",
        "v3_server",
        (intermediate, inter_key),
    )

    bundle = directory / "bundle.pem"
    parts = [roots[stem].read_bytes() for stem, *_ in ROOTS]
    parts += [intermediate.read_bytes(), server.read_bytes(), roots["alpha"].read_bytes()]
    bundle.write_bytes(b"".join(parts))

    p7b = directory / "roots.p7b"
    run_tool(
        "openssl",
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        roots["alpha"],
        "-certfile",
        roots["beta"],
        "-out",
        p7b,
        cwd=directory,
    )

    keytool = shutil.which("keytool") or "keytool"
    stores = {}
    for storetype, name in (("PKCS12", "keytool-roots.p12"), ("JKS", "keytool-roots.jks")):
        store = directory / name
        for alias in ("alpha", "beta"):
            run_tool(
                keytool,
                "-importcert",
                "-noprompt",
                "-alias",
                alias,
                "-file",
                roots[alias],
                "-keystore",
                store,
                "-storetype",
                storetype,
                "-storepass",
                STOREPASS,
                cwd=directory,
            )
        stores[storetype] = store

    garbage = directory / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    return TrustMaterial(
        directory=directory,
        roots=roots,
        intermediate=intermediate,
        server_cert=server,
        server_key=server_key,
        bundle=bundle,
        p7b=p7b,
        keytool_p12=stores["PKCS12"],
        keytool_jks=stores["JKS"],
        garbage=garbage,
    )


@pytest.fixture(scope="session")
def trust_material(tmp_path_factory: pytest.TempPathFactory) -> TrustMaterial:
    return make_trust_material(tmp_path_factory.mktemp("trust-material"))


def keytool_list(store: Path, storetype: str, password: str = STOREPASS) -> str:
    result = subprocess.run(
        ["keytool", "-list", "-keystore", str(store), "-storetype", storetype, "-storepass", password],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def make_big_bundle(directory: Path) -> Path:
    """BIG_COUNT CA certificates: one CSR signed by two parallel ``openssl ca -infiles`` runs."""
    directory.mkdir(parents=True, exist_ok=True)
    cnf = directory / "root.cnf"
    cnf.write_text(CA_CNF.format(dir=directory))
    run_tool(
        "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem", cwd=directory
    )
    run_tool("openssl", "req", "-new", "-x509", "-config", cnf, "-extensions", "v3_ca", "-key", "k.pem", "-subj",
             "/CN=Bulk Root", "-days", "3650", "-out", "root.pem", cwd=directory)  # fmt: skip
    run_tool(
        "openssl",
        "req",
        "-new",
        "-config",
        cnf,
        "-key",
        "k.pem",
        "-subj",
        "/CN=Bulk CA",
        "-out",
        "c.csr",
        cwd=directory,
    )
    processes = []
    for worker in range(WORKERS):
        ca_dir = directory / f"ca{worker}"
        ca_database(ca_dir, f"{(worker + 1) * 0x100000:08X}")
        (ca_dir / "ca.cnf").write_text(CA_CNF.format(dir=ca_dir))
        args = ["openssl", "ca", "-batch", "-notext", "-config", str(ca_dir / "ca.cnf"), "-cert", "root.pem"]
        args += ["-keyfile", "k.pem", "-startdate", "20250101000000Z", "-enddate", "20350101000000Z"]
        args += ["-extensions", "v3_ca", "-out", str(ca_dir / "last.pem"), "-infiles"]
        args += ["c.csr"] * (BIG_COUNT // WORKERS)
        processes.append(subprocess.Popen(args, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    for process in processes:
        _, err = process.communicate()
        assert process.returncode == 0, err
    bundle = directory / "bundle.pem"
    with bundle.open("wb") as handle:
        for worker in range(WORKERS):
            for cert in sorted((directory / f"ca{worker}" / "newcerts").glob("*.pem")):
                handle.write(cert.read_bytes())
    return bundle


@pytest.fixture(scope="session")
def big_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 5,000-certificate bundle, made once per test run even with pytest-xdist (a lock file in the
    directory all workers share)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return make_big_bundle(tmp_path_factory.mktemp("big-bundle"))
    shared = tmp_path_factory.getbasetemp().parent / "truststore-big-bundle"  # this run's, shared by workers
    shared.mkdir(exist_ok=True)
    bundle = shared / "work" / "bundle.pem"
    lock = shared / "lock"
    deadline = time.monotonic() + 120
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if (shared / "done").exists():
                return bundle
            if time.monotonic() > deadline:
                raise TimeoutError("another worker did not finish the big bundle") from None
            time.sleep(0.2)
            continue
        os.close(fd)
        break
    try:
        make_big_bundle(shared / "work")
        (shared / "done").write_text("ok")
    except BaseException:
        lock.unlink()
        raise
    return bundle
