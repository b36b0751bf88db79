"""Certificates for the probe tests, made by openssl in the session (never hand-typed).

Dates are relative to the real clock: the servers (``openssl s_server -verify_return_error``) judge the
client certificates at the current time. ``expired`` ended yesterday. Keys are fresh EC P-256 keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openssl_ca import ca_config, ca_database
from tool_runner import run_tool as run

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
subjectAltName = DNS:localhost,IP:127.0.0.1
[ v3_other_name ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
[ v3_sni_a ]
basicConstraints = critical,CA:false
extendedKeyUsage = serverAuth
subjectAltName = DNS:a.test
[ v3_sni_b ]
basicConstraints = critical,CA:false
extendedKeyUsage = serverAuth
subjectAltName = DNS:b.test
[ v3_client ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""
)

CLIENT_KEY_PASSWORD = "client-key-pass"


@dataclass(frozen=True)
class OnlineMaterial:
    directory: Path
    root: Path
    inter: Path
    leaf: Path  # CN=localhost, DNS:localhost, IP:127.0.0.1, issued by inter
    leaf_key: Path
    expired: Path  # same key as leaf, ended yesterday
    other_name: Path  # same key, DNS:other.example only
    sni_a: Path  # same key, DNS:a.test
    sni_b: Path  # same key, DNS:b.test
    partner_ca: Path  # CN=Partner Client CA: the CA the mutual-TLS servers accept
    good_client: Path
    good_client_key: Path
    good_client_key_encrypted: Path  # PKCS#8, AES-256, CLIENT_KEY_PASSWORD
    acme_root: Path  # CN=Acme Root CA: not accepted
    acme_client: Path
    acme_client_key: Path


def _stamp(when: datetime) -> str:
    return when.strftime("%Y%m%d%H%M%SZ")


def make_online_material(directory: Path) -> OnlineMaterial:
    directory.mkdir(parents=True, exist_ok=True)
    ca_dir = directory / "ca"
    ca_database(ca_dir, "2000")
    cnf = directory / "ca.cnf"
    cnf.write_text(CA_CNF.format(dir=ca_dir))
    now = datetime.now(UTC)
    start, end = _stamp(now - timedelta(days=1)), _stamp(now + timedelta(days=365))

    def key(stem: str) -> Path:
        path = directory / f"{stem}.key"
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path,
            cwd=directory)  # fmt: skip
        return path

    def cert(
        stem: str, subject: str, ext: str, issuer: str | None, *, key_stem: str | None = None, until: str = end
    ) -> Path:
        key_path = directory / f"{key_stem or stem}.key"
        csr = directory / f"{stem}.csr"
        run("openssl", "req", "-new", "-config", cnf, "-key", key_path, "-subj", subject, "-out", csr, cwd=directory)
        out = directory / f"{stem}.pem"
        args: list[str | Path] = ["openssl", "ca", "-batch", "-notext", "-config", cnf, "-in", csr, "-out", out]
        args += ["-startdate", start if until == end else _stamp(now - timedelta(days=30)), "-enddate", until]
        args += ["-extensions", ext]
        if issuer is None:
            args += ["-selfsign", "-keyfile", key_path]
        else:
            args += ["-cert", directory / f"{issuer}.pem", "-keyfile", directory / f"{issuer}.key"]
        run(*args, cwd=directory)
        csr.unlink()
        return out

    key("root")
    root = cert("root", "/O=Certbench Test/CN=Probe Test Root CA", "v3_ca", None)
    key("inter")
    inter = cert("inter", "/O=Certbench Test/CN=Probe Test Issuing CA", "v3_ca", "root")
    leaf_key = key("leaf")
    leaf = cert("leaf", "/CN=localhost", "v3_server", "inter")
    yesterday = _stamp(now - timedelta(days=1))
    expired = cert("expired", "/CN=localhost", "v3_server", "inter", key_stem="leaf", until=yesterday)
    other_name = cert("other-name", "/CN=other.example", "v3_other_name", "inter", key_stem="leaf")
    sni_a = cert("sni-a", "/CN=a.test", "v3_sni_a", "inter", key_stem="leaf")
    sni_b = cert("sni-b", "/CN=b.test", "v3_sni_b", "inter", key_stem="leaf")
    key("partner-ca")
    partner_ca = cert("partner-ca", "/O=Partner/CN=Partner Client CA", "v3_ca", None)
    good_client_key = key("good-client")
    good_client = cert("good-client", "/O=Us/CN=Good Client", "v3_client", "partner-ca")
    encrypted = directory / "good-client-encrypted.key"
    run(
        "openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", good_client_key, "-out", encrypted,
        "-passout", f"pass:{CLIENT_KEY_PASSWORD}", cwd=directory,
    )  # fmt: skip
    key("acme-root")
    acme_root = cert("acme-root", "/O=Acme/CN=Acme Root CA", "v3_ca", None)
    acme_client_key = key("acme-client")
    acme_client = cert("acme-client", "/O=Acme/CN=Acme Client", "v3_client", "acme-root")
    return OnlineMaterial(
        directory=directory,
        root=root,
        inter=inter,
        leaf=leaf,
        leaf_key=leaf_key,
        expired=expired,
        other_name=other_name,
        sni_a=sni_a,
        sni_b=sni_b,
        partner_ca=partner_ca,
        good_client=good_client,
        good_client_key=good_client_key,
        good_client_key_encrypted=encrypted,
        acme_root=acme_root,
        acme_client=acme_client,
        acme_client_key=acme_client_key,
    )


def bundle(path: Path, *parts: Path) -> Path:
    """Concatenate PEM files in the given order (how a server's chain file is assembled)."""
    path.write_bytes(b"".join(p.read_bytes() for p in parts))
    return path
