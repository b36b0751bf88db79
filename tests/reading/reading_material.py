"""Files in every format certbench reads, and malformed ones, made by real tools (openssl, keytool, jar).

Nothing here is hand-typed PEM: certificates, keys, CSRs, PKCS#7, PKCS#12 and keystores come from
``openssl`` and ``keytool``; the malformed files are those real files cut, damaged or re-encoded the way
they arrive from customers (truncated download, CRLF + BOM from Windows, UTF-16 from Notepad, text dump
pasted into a mail). BKS/UBER need the BouncyCastle provider (Debian ``libbcprov-java``); without it
those files are absent and their tests skip.

The set is built once per test run and shared by the xdist workers (a lock file guards the build).
``python tests/reading/reading_material.py DIR`` writes it to DIR.
"""

from __future__ import annotations

import fcntl
import json
import re
import sys
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tool_runner import run_tool as run

PASSWORD = "Reading-Pass1"
#: The key password of ``keypass.jks`` (differs from the store password on purpose).
OTHER_KEY_PASSWORD = "Other-KeyPass2"
#: A store password outside ASCII (keytool encodes it as UTF-16 for the integrity check).
NON_ASCII_PASSWORD = "Pässwort-Ünï-1"
BCPROV = Path("/usr/share/java/bcprov.jar")
#: keytool with JVM flags that halve its start-up time (no C2 JIT, serial GC, no perf data file).
KEYTOOL = ["keytool", "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-XX:-UsePerfData"]
BC_OPTIONS = [
    "-providerpath",
    str(BCPROV),
    "-providerclass",
    "org.bouncycastle.jce.provider.BouncyCastleProvider",
]

ROOT_SUBJECT = "/C=DE/O=Certbench Reading/CN=Reading Root CA"
INTER_SUBJECT = "/C=DE/O=Certbench Reading/CN=Reading Issuing CA"
LEAF_SUBJECT = "/C=DE/O=Partner Bank AG/CN=reading.example.com"

EXTENSIONS = """
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth,serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:reading.example.com
"""


def bouncycastle_available() -> bool:
    return BCPROV.exists()


def make_reading_material(d: Path) -> Path:
    """Write every file into ``d``; returns ``d``."""
    d.mkdir(parents=True, exist_ok=True)
    ext = d / "ext.cnf"
    ext.write_text(EXTENSIONS)

    def ec_key(name: str) -> Path:
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", d / name, cwd=d)
        return d / name

    def sign(name: str, subject: str, key: Path, issuer: str | None, extension: str) -> Path:
        csr = d / f"{name}.csr.tmp"
        run("openssl", "req", "-new", "-key", key, "-subj", subject, "-out", csr, cwd=d)
        args: list[str | Path] = ["openssl", "x509", "-req", "-in", csr, "-days", "3650", "-sha256"]
        args += ["-extfile", ext, "-extensions", extension, "-out", d / name]
        if issuer is None:
            args += ["-signkey", key]
        else:
            args += ["-CA", d / f"{issuer}.pem", "-CAkey", d / f"{issuer}.key", "-CAcreateserial"]
        run(*args, cwd=d)
        csr.unlink()
        return d / name

    # -- a three-level chain -----------------------------------------------------------------------
    ec_key("root.key")
    root = sign("root.pem", ROOT_SUBJECT, d / "root.key", None, "v3_ca")
    ec_key("inter.key")
    inter = sign("inter.pem", INTER_SUBJECT, d / "inter.key", "root", "v3_ca")
    leaf_key = ec_key("leaf.key")
    leaf = sign("leaf.pem", LEAF_SUBJECT, leaf_key, "inter", "v3_leaf")
    chain = d / "chain.pem"
    chain.write_bytes(leaf.read_bytes() + inter.read_bytes() + root.read_bytes())
    cas = d / "cas.pem"
    cas.write_bytes(inter.read_bytes() + root.read_bytes())

    # -- PEM variants (names deliberately lie about the content: detection is by content) --------
    run("openssl", "x509", "-in", leaf, "-outform", "DER", "-out", d / "leaf-der.pem", cwd=d)
    run("openssl", "x509", "-in", root, "-outform", "DER", "-out", d / "root.cer", cwd=d)
    (d / "chain-as.der").write_bytes(chain.read_bytes())
    (d / "text-around.pem").write_bytes(
        b"Hello support,\nhere is our certificate as requested:\n\n"
        + leaf.read_bytes()
        + b"\nand the CA that signed it:\n"
        + inter.read_bytes()
        + b"\nRegards,\nThe partner\n"
    )
    (d / "crlf-bom.pem").write_bytes(b"\xef\xbb\xbf" + chain.read_bytes().replace(b"\n", b"\r\n"))
    utf16 = run("iconv", "-f", "ascii", "-t", "UTF-16", chain, cwd=d)  # iconv writes a BOM
    (d / "utf16.pem").write_bytes(utf16)
    (d / "dump-with-pem.txt").write_bytes(run("openssl", "x509", "-in", leaf, "-text", cwd=d))
    (d / "dump-only.txt").write_bytes(run("openssl", "x509", "-in", leaf, "-text", "-noout", cwd=d))
    (d / "trusted.pem").write_bytes(run("openssl", "x509", "-in", root, "-trustout", "-addtrust", "clientAuth", cwd=d))

    # -- PKCS#7 ----------------------------------------------------------------------------------
    run("openssl", "crl2pkcs7", "-nocrl", "-certfile", chain, "-out", d / "chain.p7b", cwd=d)
    run("openssl", "crl2pkcs7", "-nocrl", "-certfile", chain, "-outform", "DER", "-out", d / "chain-der.p7c", cwd=d)

    # -- PKCS#12 ---------------------------------------------------------------------------------
    p12 = ["openssl", "pkcs12", "-export", "-inkey", leaf_key, "-in", leaf, "-certfile", cas, "-name", "partner"]
    run(*p12, "-passout", f"pass:{PASSWORD}", "-out", d / "modern.pfx", cwd=d)
    run(*p12, "-legacy", "-passout", f"pass:{PASSWORD}", "-out", d / "legacy.p12", cwd=d)
    run(*p12, "-passout", "pass:", "-out", d / "empty-password.p12", cwd=d)
    run(
        *p12, "-keypbe", "NONE", "-certpbe", "NONE", "-nomac", "-passout", "pass:", "-out", d / "no-password.p12", cwd=d
    )
    run(
        "openssl",
        "pkcs12",
        "-export",
        "-nokeys",
        "-in",
        chain,
        "-passout",
        f"pass:{PASSWORD}",
        "-out",
        d / "certs-only.p12",
        cwd=d,
    )

    # -- private keys ----------------------------------------------------------------------------
    (d / "ec-sec1.pem").write_bytes(run("openssl", "ecparam", "-name", "prime256v1", "-genkey", cwd=d))
    run("openssl", "pkey", "-in", leaf_key, "-out", d / "ec-pkcs8.pem", cwd=d)
    run(
        "openssl",
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        d / "rsa-pkcs8.pem",
        cwd=d,
    )
    run("openssl", "rsa", "-in", d / "rsa-pkcs8.pem", "-traditional", "-out", d / "rsa-pkcs1.pem", cwd=d)
    run(
        "openssl",
        "rsa",
        "-in",
        d / "rsa-pkcs8.pem",
        "-traditional",
        "-aes256",
        "-passout",
        f"pass:{PASSWORD}",
        "-out",
        d / "rsa-pkcs1-encrypted.pem",
        cwd=d,
    )
    run(
        "openssl",
        "pkcs8",
        "-topk8",
        "-in",
        leaf_key,
        "-v2",
        "aes-256-cbc",
        "-passout",
        f"pass:{PASSWORD}",
        "-out",
        d / "pkcs8-encrypted.pem",
        cwd=d,
    )
    run(
        "openssl",
        "pkcs8",
        "-topk8",
        "-in",
        leaf_key,
        "-v2",
        "aes-256-cbc",
        "-passout",
        f"pass:{PASSWORD}",
        "-outform",
        "DER",
        "-out",
        d / "pkcs8-encrypted.der",
        cwd=d,
    )
    run("openssl", "pkey", "-in", leaf_key, "-outform", "DER", "-out", d / "ec-pkcs8.der", cwd=d)
    run("openssl", "genpkey", "-algorithm", "ED25519", "-out", d / "ed25519.pem", cwd=d)
    run("openssl", "pkey", "-in", leaf_key, "-pubout", "-out", d / "public-key.pem", cwd=d)
    (d / "key-and-cert.pem").write_bytes(leaf_key.read_bytes() + leaf.read_bytes())

    # -- CSRs ------------------------------------------------------------------------------------
    run("openssl", "req", "-new", "-key", leaf_key, "-subj", LEAF_SUBJECT, "-out", d / "request.csr", cwd=d)
    run("openssl", "req", "-in", d / "request.csr", "-outform", "DER", "-out", d / "request-der.csr", cwd=d)
    (d / "csr-dump-only.txt").write_bytes(run("openssl", "req", "-in", d / "request.csr", "-text", "-noout", cwd=d))

    # -- Java keystores (keytool) ----------------------------------------------------------------
    def import_p12(name: str, store_type: str, key_password: str, *extra: str) -> None:
        run(
            *KEYTOOL, "-importkeystore", "-noprompt", "-srckeystore", d / "modern.pfx", "-srcstoretype", "PKCS12",
            "-srcstorepass", PASSWORD, "-destkeystore", d / name, "-deststoretype", store_type,
            "-deststorepass", PASSWORD, "-destkeypass", key_password, *extra, cwd=d,
        )  # fmt: skip

    def import_cert(name: str, store_type: str, alias: str, cert: Path, *extra: str) -> None:
        run(
            *KEYTOOL, "-importcert", "-noprompt", "-alias", alias, "-file", cert, "-storetype", store_type,
            "-keystore", d / name, "-storepass", PASSWORD, *extra, cwd=d,
        )  # fmt: skip

    cas_by_alias = (("reading-root", root), ("reading-issuing", inter))

    def truststore(name: str, store_type: str, *extra: str) -> None:
        for alias, cert in cas_by_alias:
            import_cert(name, store_type, alias, cert, *extra)

    def non_ascii_store() -> None:  # a UTF-8 store password; the key keeps an ASCII one (JCEKS needs that)
        run(
            *KEYTOOL, "-importkeystore", "-noprompt", "-srckeystore", d / "modern.pfx", "-srcstoretype", "PKCS12",
            "-srcstorepass", PASSWORD, "-destkeystore", d / "non-ascii.jceks", "-deststoretype", "JCEKS",
            "-deststorepass", NON_ASCII_PASSWORD, "-destkeypass", PASSWORD, cwd=d,
        )  # fmt: skip

    def keypass_store() -> None:
        import_p12("keypass.jks", "JKS", OTHER_KEY_PASSWORD)
        import_cert("keypass.jks", "JKS", "reading-root", root)

    def secret_key_store() -> None:  # keystore.jceks plus an AES secret-key entry, as keytool makes them
        import_p12("secret.jceks", "JCEKS", PASSWORD)
        run(
            *KEYTOOL, "-genseckey", "-alias", "reading-aes", "-keyalg", "AES", "-keysize", "128",
            "-storetype", "JCEKS", "-keystore", d / "secret.jceks", "-storepass", PASSWORD, "-keypass", PASSWORD,
            cwd=d,
        )  # fmt: skip

    jobs: list[tuple[Callable[..., None], tuple[str, ...]]] = [
        (import_p12, ("keystore.jks", "JKS", PASSWORD)),
        (import_p12, ("keystore.jceks", "JCEKS", PASSWORD)),
        (truststore, ("truststore.jks", "JKS")),
        (truststore, ("truststore.jceks", "JCEKS")),
        (keypass_store, ()),
        (secret_key_store, ()),
        (non_ascii_store, ()),
    ]
    if bouncycastle_available():
        jobs += [
            (import_p12, ("keystore.bks", "BKS", PASSWORD, *BC_OPTIONS)),
            (truststore, ("truststore.bks", "BKS", *BC_OPTIONS)),
            (truststore, ("truststore.uber", "UBER", *BC_OPTIONS)),
            (import_cert, ("truststore.bcfks", "BCFKS", "reading-root", root, *BC_OPTIONS)),
        ]
    with ThreadPoolExecutor(max_workers=4) as pool:  # each keytool is a JVM start: run them side by side
        for future in [pool.submit(function, *args) for function, args in jobs]:
            future.result()

    # -- zip archives (jar) ----------------------------------------------------------------------
    jar_dir = d / "jar-content"
    (jar_dir / "META-INF").mkdir(parents=True, exist_ok=True)
    (jar_dir / "partner.pem").write_bytes(chain.read_bytes())
    (jar_dir / "partner.key").write_bytes((d / "ec-pkcs8.pem").read_bytes())
    (jar_dir / "META-INF" / "descriptor.properties").write_text("certFile=partner.pem\nkeyFile=partner.key\n")
    run("jar", "cf", d / "keystore.jar", "-C", jar_dir, ".", cwd=d)
    run("jar", "c0f", d / "keystore-stored.jar", "-C", jar_dir, ".", cwd=d)  # entries stored, not deflated
    plain_dir = d / "zip-content"
    plain_dir.mkdir(exist_ok=True)
    (plain_dir / "leaf.pem").write_bytes(leaf.read_bytes())
    run("jar", "cfM", d / "certificates.zip", "-C", plain_dir, ".", cwd=d)

    # -- malformed files -------------------------------------------------------------------------
    chain_bytes = chain.read_bytes()
    (d / "empty.pem").write_bytes(b"")
    (d / "blank.pem").write_bytes(b" \n\r\n\t\n")
    (d / "garbage.txt").write_bytes(b"this is not a certificate, it is a note to self\n")
    (d / "binary-junk.bin").write_bytes(b"\x89\x00JUNK" + run("openssl", "rand", "2048", cwd=d))
    (d / "truncated-last.pem").write_bytes(chain_bytes[: len(chain_bytes) - 200])
    (d / "truncated-first.pem").write_bytes(leaf.read_bytes()[:300])
    pem_lines = leaf.read_bytes().split(b"\n")
    pem_lines[3] = pem_lines[3][:10] + b"!!!!" + pem_lines[3][14:]
    (d / "bad-base64.pem").write_bytes(b"\n".join(pem_lines))
    der = (d / "leaf-der.pem").read_bytes()
    (d / "truncated.der").write_bytes(der[: len(der) // 2])
    pfx = (d / "modern.pfx").read_bytes()
    (d / "truncated.pfx").write_bytes(pfx[: len(pfx) // 2])
    jks_bytes = (d / "keystore.jks").read_bytes()
    (d / "truncated.jks").write_bytes(jks_bytes[: len(jks_bytes) // 2])
    (d / "header-only.jks").write_bytes(jks_bytes[:8])
    (d / "version1.jks").write_bytes(jks_bytes[:4] + b"\x00\x00\x00\x01" + jks_bytes[8:])
    jar_bytes = (d / "keystore.jar").read_bytes()
    (d / "truncated.jar").write_bytes(jar_bytes[: len(jar_bytes) // 2])
    (d / "not-a-cert.der").write_bytes(
        run("openssl", "asn1parse", "-genstr", "UTF8:not a certificate", "-out", "/dev/stdout", "-noout", cwd=d)
    )
    (d / "lonely-text.txt").write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    with zipfile.ZipFile(d / "empty.zip", "w"):
        pass  # an empty zip archive (just the end-of-central-directory record)
    (d / "unknown-block.pem").write_bytes(
        leaf.read_bytes()
        .replace(b"BEGIN CERTIFICATE", b"BEGIN SOMETHING")
        .replace(b"END CERTIFICATE", b"END SOMETHING")
    )
    write_keytool_listings(d)
    (d / "done").write_text("ok")
    return d


#: Keystores made above: file name, keytool -storetype, extra keytool options.
STORES = [
    ("keystore.jks", "JKS", ()),
    ("keystore.jceks", "JCEKS", ()),
    ("truststore.jks", "JKS", ()),
    ("truststore.jceks", "JCEKS", ()),
    ("keystore.bks", "BKS", tuple(BC_OPTIONS)),
    ("truststore.bks", "BKS", tuple(BC_OPTIONS)),
    ("truststore.uber", "UBER", tuple(BC_OPTIONS)),
]


def keytool_list(path: Path, store_type: str, *extra: str) -> dict[str, str]:
    """alias -> SHA-256 fingerprint of the entry's (first) certificate, as ``keytool -list -v`` prints them."""
    out = run(
        *KEYTOOL, "-list", "-v", "-keystore", path, "-storetype", store_type, "-storepass", PASSWORD, *extra,
        cwd=path.parent,
    ).decode()  # fmt: skip
    result: dict[str, str] = {}
    for block in out.split("Alias name: ")[1:]:
        alias = block.splitlines()[0].strip()
        match = re.search(r"SHA256: ([0-9A-F:]+)", block)
        if not match:
            raise RuntimeError(f"keytool -list printed no SHA256 fingerprint for {alias!r}")
        result[alias] = match.group(1)
    return result


def write_keytool_listings(d: Path) -> None:
    """What keytool itself lists for each store, saved as JSON (one JVM per store, run side by side)."""
    stores = [(name, kind, extra) for name, kind, extra in STORES if (d / name).exists()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(keytool_list, d / name, kind, *extra) for name, kind, extra in stores}
        listings = {name: future.result() for name, future in futures.items()}
    (d / "keytool-listings.json").write_text(json.dumps(listings, indent=1))


def path_of(directory: Path, name: str) -> Path:
    path = directory / name
    if not path.exists():
        if name.endswith((".bks", ".uber", ".bcfks")) and not bouncycastle_available():
            # make test installs it (scripts/ensure-tools.sh): its absence is a broken setup, not a pass.
            pytest.fail("BKS/UBER need the BouncyCastle provider: run scripts/ensure-tools.sh (make test does)")
        raise FileNotFoundError(path)
    return path


def shared_material_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The directory of real files, built once and shared by every xdist worker of this run.

    Test modules wrap this in their own session fixture (``reading_dir``).
    """
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    target = shared / "reading-material"
    lock = shared / "reading-material.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not (target / "done").exists():
            make_reading_material(target)
    return target


if __name__ == "__main__":
    made = make_reading_material(Path(sys.argv[1]))
    print(f"wrote {len(list(made.iterdir()))} files to {made}")
