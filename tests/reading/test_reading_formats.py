"""Every format certbench reads, from files made by openssl/keytool/jar, with and without passwords.

Facts are checked against the tools themselves: certificate fingerprints against
``openssl x509 -fingerprint -sha256``, public keys against ``openssl pkey -pubout``, keystore aliases and
fingerprints against ``keytool -list -v``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from reading_material import (
    BC_OPTIONS,
    NON_ASCII_PASSWORD,
    OTHER_KEY_PASSWORD,
    PASSWORD,
    path_of,
    run,
    shared_material_dir,
)

from certbench.core.errors import CertbenchError, FormatError, PasswordError
from certbench.core.formats.load import load_each, load_file, load_files, load_material
from certbench.core.formats.material import Format, Material

pytestmark = pytest.mark.filterwarnings("ignore:PKCS#7 certificates could not be parsed as DER")

PW = PASSWORD.encode()
WRONG = b"not-the-password"


def openssl_sha256(path: Path) -> str:
    out = run("openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256", cwd=path.parent)
    return out.decode().strip().split("=", 1)[1]


def sha256(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def fingerprints(material: Material) -> list[str]:
    return [sha256(c) for c in material.certificates]


@pytest.fixture(scope="session")
def reading_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    return shared_material_dir(tmp_path_factory, worker_id)


@pytest.fixture(scope="module")
def expected(reading_dir: Path) -> dict[str, str]:
    """SHA-256 fingerprints of the chain as openssl prints them."""
    return {name: openssl_sha256(reading_dir / f"{name}.pem") for name in ("leaf", "inter", "root")}


def openssl_public_der(directory: Path, key_file: str, password: str | None = None) -> bytes:
    args: list[str | Path] = ["openssl", "pkey", "-in", directory / key_file, "-pubout", "-outform", "DER"]
    if key_file.endswith(".der"):
        args += ["-inform", "DER"]
    if password:
        args += ["-passin", f"pass:{password}"]
    return run(*args, cwd=directory)


def public_der(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="module")
def keytool_listings(reading_dir: Path) -> dict[str, dict[str, str]]:
    return json.loads((reading_dir / "keytool-listings.json").read_text())


# -- certificates: PEM in all its shapes, DER, PKCS#7 --------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "order"),
    [
        ("chain.pem", Format.PEM, ["leaf", "inter", "root"]),
        ("chain-as.der", Format.PEM, ["leaf", "inter", "root"]),  # PEM content behind a .der name
        ("leaf-der.pem", Format.DER, ["leaf"]),  # DER content behind a .pem name
        ("root.cer", Format.DER, ["root"]),
        ("text-around.pem", Format.PEM, ["leaf", "inter"]),
        ("crlf-bom.pem", Format.PEM, ["leaf", "inter", "root"]),
        ("utf16.pem", Format.PEM, ["leaf", "inter", "root"]),
        ("dump-with-pem.txt", Format.PEM, ["leaf"]),
        ("trusted.pem", Format.PEM, ["root"]),
        ("chain.p7b", Format.PKCS7, ["leaf", "inter", "root"]),
        ("chain-der.p7c", Format.PKCS7, ["leaf", "inter", "root"]),
    ],
)
def test_certificates_are_read_in_file_order(reading_dir: Path, expected: dict[str, str], name, fmt, order) -> None:
    material = load_file(reading_dir / name)
    assert material.format is fmt
    assert material.ordered
    assert material.problems == ()
    assert material.keys == () and material.csrs == ()
    got = fingerprints(material)
    if fmt is Format.PKCS7:
        # openssl crl2pkcs7 stores a SET: compare with what openssl pkcs7 -print_certs lists.
        printed = run("openssl", "pkcs7", "-print_certs", "-in", reading_dir / "chain.p7b", cwd=reading_dir)
        listed = [sha256(c) for c in x509.load_pem_x509_certificates(printed)]
        assert got == listed
        assert sorted(got) == sorted(expected[n] for n in order)
    else:
        assert got == [expected[n] for n in order]


def test_password_is_ignored_for_unprotected_files(reading_dir: Path, expected: dict[str, str]) -> None:
    material = load_file(reading_dir / "chain.pem", WRONG)
    assert fingerprints(material) == [expected["leaf"], expected["inter"], expected["root"]]


def test_truncated_last_block_keeps_the_readable_certificates(reading_dir: Path, expected: dict[str, str]) -> None:
    material = load_file(reading_dir / "truncated-last.pem")
    assert fingerprints(material) == [expected["leaf"], expected["inter"]]
    assert len(material.problems) == 1
    assert "PEM block 3 (CERTIFICATE) is cut off" in material.problems[0]
    assert "\n" not in material.problems[0]


def test_unknown_block_beside_a_certificate_is_a_problem_not_an_error(reading_dir: Path) -> None:
    data = (reading_dir / "leaf.pem").read_bytes() + (reading_dir / "public-key.pem").read_bytes()
    material = load_material(data, path="mixed.pem")
    assert len(material.certificates) == 1
    assert material.problems == ("PEM block 2 (PUBLIC KEY) is a public key (certbench reads certificates, "
                                 "private keys and CSRs); skipped",)  # fmt: skip


def test_bare_base64_of_a_der_certificate_is_read(reading_dir: Path, expected: dict[str, str]) -> None:
    body = b"".join(line for line in (reading_dir / "leaf.pem").read_bytes().splitlines() if b"-----" not in line)
    material = load_material(body + b"\n", path="pasted.txt")
    assert material.format is Format.DER
    assert fingerprints(material) == [expected["leaf"]]
    assert "base64 without PEM" in material.problems[0]


# -- PKCS#12 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["modern.pfx", "legacy.p12"])
def test_pkcs12_with_password(reading_dir: Path, expected: dict[str, str], name: str) -> None:
    material = load_file(reading_dir / name, PW)
    assert material.format is Format.PKCS12
    assert not material.ordered
    assert sorted(fingerprints(material)) == sorted(expected.values())
    assert material.aliases[0] == "partner"
    assert len(material.keys) == 1 and len(material.key_entries) == 1
    entry = material.key_entries[0]
    assert entry.alias == "partner"
    assert sha256(entry.chain[0]) == expected["leaf"]
    assert public_der(entry.key) == openssl_public_der(reading_dir, "leaf.key")


@pytest.mark.parametrize("name", ["modern.pfx", "legacy.p12", "certs-only.p12"])
def test_pkcs12_without_password_says_it_is_missing(reading_dir: Path, name: str) -> None:
    for password in (None, b""):
        with pytest.raises(PasswordError) as caught:
            load_file(reading_dir / name, password)
        assert caught.value.missing
        assert caught.value.code == "input.password"
        assert caught.value.path == str(reading_dir / name)
        assert "PKCS#12" in caught.value.message


@pytest.mark.parametrize("name", ["modern.pfx", "legacy.p12", "empty-password.p12"])
def test_pkcs12_wrong_password(reading_dir: Path, name: str) -> None:
    with pytest.raises(PasswordError) as caught:
        load_file(reading_dir / name, WRONG)
    assert not caught.value.missing
    assert caught.value.code == "input.password"
    assert str(caught.value) == f"{reading_dir / name}: wrong password for this PKCS#12 file (or the file is damaged)"


@pytest.mark.parametrize("password", [None, b""])
def test_pkcs12_with_empty_password(reading_dir: Path, expected: dict[str, str], password: bytes | None) -> None:
    material = load_file(reading_dir / "empty-password.p12", password)
    assert sorted(fingerprints(material)) == sorted(expected.values())
    assert len(material.keys) == 1


def test_pkcs12_without_any_encryption(reading_dir: Path, expected: dict[str, str]) -> None:
    material = load_file(reading_dir / "no-password.p12")
    assert material.format is Format.PKCS12
    assert sorted(fingerprints(material)) == sorted(expected.values())


def test_pkcs12_with_certificates_only(reading_dir: Path, expected: dict[str, str]) -> None:
    material = load_file(reading_dir / "certs-only.p12", PW)
    assert material.keys == ()
    assert sorted(fingerprints(material)) == sorted(expected.values())


# -- private keys and CSRs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "encrypted"),
    [
        ("ec-sec1.pem", ec.EllipticCurvePrivateKey, False),
        ("ec-pkcs8.pem", ec.EllipticCurvePrivateKey, False),
        ("ec-pkcs8.der", ec.EllipticCurvePrivateKey, False),
        ("rsa-pkcs1.pem", rsa.RSAPrivateKey, False),
        ("rsa-pkcs8.pem", rsa.RSAPrivateKey, False),
        ("ed25519.pem", ed25519.Ed25519PrivateKey, False),
        ("rsa-pkcs1-encrypted.pem", rsa.RSAPrivateKey, True),
        ("pkcs8-encrypted.pem", ec.EllipticCurvePrivateKey, True),
        ("pkcs8-encrypted.der", ec.EllipticCurvePrivateKey, True),
    ],
)
def test_private_keys(reading_dir: Path, name: str, kind: type, encrypted: bool) -> None:
    path = reading_dir / name
    if encrypted:
        with pytest.raises(PasswordError) as missing:
            load_file(path)
        assert missing.value.missing and missing.value.code == "input.password"
        with pytest.raises(PasswordError) as wrong:
            load_file(path, WRONG)
        assert not wrong.value.missing and wrong.value.path == str(path)
    material = load_file(path, PW if encrypted else None)
    assert material.format is Format.KEY
    assert material.certificates == ()
    assert len(material.keys) == 1
    assert isinstance(material.keys[0], kind)
    assert public_der(material.keys[0]) == openssl_public_der(reading_dir, name, PASSWORD if encrypted else None)


def test_key_and_certificate_in_one_pem(reading_dir: Path, expected: dict[str, str]) -> None:
    material = load_file(reading_dir / "key-and-cert.pem")
    assert material.format is Format.PEM
    assert fingerprints(material) == [expected["leaf"]]
    assert public_der(material.keys[0]) == material.certificates[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize("name", ["request.csr", "request-der.csr"])
def test_csr(reading_dir: Path, name: str) -> None:
    material = load_file(reading_dir / name)
    assert material.format is Format.CSR
    (csr,) = material.csrs
    assert csr.is_signature_valid
    subject = run("openssl", "req", "-in", reading_dir / "request.csr", "-noout", "-subject", "-nameopt", "RFC2253",
                  cwd=reading_dir).decode().strip().removeprefix("subject=")  # fmt: skip
    assert csr.subject.rfc4514_string() == subject


# -- Java keystores ------------------------------------------------------------------------------

KEYSTORES = [
    ("keystore.jks", Format.JKS, "JKS", ()),
    ("keystore.jceks", Format.JCEKS, "JCEKS", ()),
    ("keystore.bks", Format.BKS, "BKS", tuple(BC_OPTIONS)),
]
TRUSTSTORES = [
    ("truststore.jks", Format.JKS, "JKS", ()),
    ("truststore.jceks", Format.JCEKS, "JCEKS", ()),
    ("truststore.bks", Format.BKS, "BKS", tuple(BC_OPTIONS)),
    ("truststore.uber", Format.BKS, "UBER", tuple(BC_OPTIONS)),
]


@pytest.mark.parametrize(("name", "fmt", "store_type", "extra"), KEYSTORES)
def test_keystore_with_private_key_entry(reading_dir, expected, keytool_listings, name, fmt, store_type, extra) -> None:
    path = path_of(reading_dir, name)
    material = load_file(path, PW)
    assert material.format is fmt
    assert material.details["storeType"] == store_type.lower()
    assert not material.ordered
    assert material.problems == ()
    (entry,) = material.key_entries
    assert entry.alias == "partner"
    assert [sha256(c) for c in entry.chain] == [expected["leaf"], expected["inter"], expected["root"]]
    assert public_der(entry.key) == openssl_public_der(reading_dir, "leaf.key")
    assert material.keys == (entry.key,)
    assert material.aliases == ("partner", None, None)
    assert keytool_listings[name] == {"partner": expected["leaf"]}


@pytest.mark.parametrize(("name", "fmt", "store_type", "extra"), TRUSTSTORES)
def test_truststore_of_trusted_certificates(
    reading_dir, expected, keytool_listings, name, fmt, store_type, extra
) -> None:
    path = path_of(reading_dir, name)
    material = load_file(path, PW)
    assert material.format is fmt
    assert material.keys == ()
    listed = keytool_listings[name]
    assert listed == {"reading-root": expected["root"], "reading-issuing": expected["inter"]}
    assert dict(zip(material.aliases, fingerprints(material), strict=True)) == listed
    assert material.details["trustedEntries"] == "2"


@pytest.mark.parametrize(("name", "fmt", "store_type", "extra"), KEYSTORES + TRUSTSTORES)
def test_keystore_without_or_with_wrong_password(reading_dir: Path, name, fmt, store_type, extra) -> None:
    path = path_of(reading_dir, name)
    with pytest.raises(PasswordError) as missing:
        load_file(path)
    assert missing.value.missing
    assert missing.value.code == "input.password"
    assert missing.value.path == str(path)
    assert store_type in missing.value.message
    with pytest.raises(PasswordError) as wrong:
        load_file(path, WRONG)
    assert not wrong.value.missing
    assert "wrong password" in wrong.value.message and store_type in wrong.value.message


def test_key_entry_with_its_own_key_password(reading_dir: Path, expected: dict[str, str]) -> None:
    material = load_file(reading_dir / "keypass.jks", PW)
    assert material.keys == ()
    assert sorted(fingerprints(material)) == sorted(
        [expected["leaf"], expected["inter"], expected["root"], expected["root"]]
    )
    assert material.problems == ()  # not damage: the entry is named, and the report says what to do
    assert material.locked_key_aliases == ("partner",)


def test_key_entry_with_its_own_key_password_is_reported_with_what_to_do(  # type: ignore[no-untyped-def]
    run_cli, reading_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said "cut off or damaged". Now it names the entry and its own key password, and the fix works."""
    monkeypatch.setenv("STORE_PW", PASSWORD)
    ws = ("--workspace", str(tmp_path / "ws"))
    store = reading_dir / "keypass.jks"
    code, out, err = run_cli(*ws, "inspect", "--json", str(store), "--password-env", "STORE_PW")
    findings = {f["code"]: f for f in json.loads(out)["findings"]}
    assert code == 2  # an input read only in part
    assert findings["input.key-password"]["message"].startswith("entry 'partner' has its own key password")
    assert "keytool -keypasswd -alias partner" in findings["input.key-password"]["fix"]
    assert "damaged" not in json.dumps(findings) and OTHER_KEY_PASSWORD not in out + err
    # Following the fix with the real keytool: the copy's key opens with the store password.
    copy = tmp_path / "copy.jks"
    copy.write_bytes(store.read_bytes())
    run(
        "keytool", "-keypasswd", "-alias", "partner", "-keystore", copy, "-storepass", PASSWORD,
        "-keypass", OTHER_KEY_PASSWORD, "-new", PASSWORD, cwd=tmp_path,
    )  # fmt: skip
    code, out, err = run_cli(*ws, "inspect", "--json", str(copy), "--password-env", "STORE_PW")
    assert "input.key-password" not in {f["code"] for f in json.loads(out)["findings"]}
    assert len(load_file(copy, PW).keys) == 1


def test_jceks_secret_key_entry_is_an_info_finding(  # type: ignore[no-untyped-def]
    run_cli, reading_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """keytool -genseckey entries are normal in a JCEKS: an info finding naming the alias; the exit code
    is the one the same store without the secret key gets."""
    monkeypatch.setenv("STORE_PW", PASSWORD)
    ws = ("--workspace", str(tmp_path / "ws"))
    material = load_file(reading_dir / "secret.jceks", PW)
    assert material.secret_key_aliases == ("reading-aes",) and material.problems == ()
    plain_code, plain_out, _ = run_cli(
        *ws, "inspect", "--json", str(reading_dir / "keystore.jceks"), "--password-env", "STORE_PW"
    )
    code, out, _err = run_cli(*ws, "inspect", "--json", str(reading_dir / "secret.jceks"), "--password-env", "STORE_PW")
    assert code == plain_code
    extra = [f for f in json.loads(out)["findings"] if f not in json.loads(plain_out)["findings"]]
    assert [(f["code"], f["severity"]) for f in extra] == [("keystore.secret-key", "info")]
    assert "'reading-aes'" in extra[0]["message"]
    code, out, _err = run_cli(*ws, "inspect", str(reading_dir / "secret.jceks"), "--password-env", "STORE_PW")
    assert code == plain_code and "INFO    keystore.secret-key: entry 'reading-aes' is a secret" in out


def test_non_ascii_store_password(reading_dir: Path, expected: dict[str, str]) -> None:
    material = load_file(reading_dir / "non-ascii.jceks", NON_ASCII_PASSWORD.encode())
    assert sorted(fingerprints(material)) == sorted(expected.values())
    assert material.keys == ()
    assert material.problems == (
        "entry 'partner': a JCEKS key opens only with an ASCII password; its key was not read",
    )
    with pytest.raises(PasswordError):
        load_file(reading_dir / "non-ascii.jceks", NON_ASCII_PASSWORD.encode("latin-1"))


def test_non_utf8_password_for_a_keystore(reading_dir: Path) -> None:
    with pytest.raises(PasswordError) as caught:
        load_file(reading_dir / "keystore.jks", b"\xff\xfe")
    assert "UTF-8" in caught.value.message


# -- keystore JARs and zips ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["keystore.jar", "keystore-stored.jar"])
def test_keystore_jar_is_dispatched_to_the_jar_reader(reading_dir: Path, expected: dict[str, str], name: str) -> None:
    """Also when the PEM entries are stored uncompressed, so the raw bytes contain '-----BEGIN'."""
    listing = subprocess.run(["jar", "tf", reading_dir / name], capture_output=True, check=True, text=True)
    assert "META-INF/descriptor.properties" in listing.stdout.split()
    material = load_file(reading_dir / name)
    assert material.format is Format.KEYSTORE_JAR
    assert fingerprints(material) == [expected["leaf"], expected["inter"], expected["root"]]
    assert material.details["certFile"] == "partner.pem"
    assert public_der(material.keys[0]) == openssl_public_der(reading_dir, "leaf.key")


# -- several files -------------------------------------------------------------------------------


def test_load_files_reads_a_chain_spread_over_files(reading_dir: Path, expected: dict[str, str]) -> None:
    paths = [
        reading_dir / "leaf-der.pem",
        reading_dir / "inter.pem",
        reading_dir / "root.cer",
        reading_dir / "leaf.key",
    ]
    materials = load_files(paths)
    assert [m.format for m in materials] == [Format.DER, Format.PEM, Format.DER, Format.KEY]
    assert [sha256(c) for m in materials for c in m.certificates] == [
        expected["leaf"],
        expected["inter"],
        expected["root"],
    ]
    assert [m.path for m in materials] == [str(p) for p in paths]


def test_load_files_raises_the_first_error(reading_dir: Path) -> None:
    with pytest.raises(FormatError) as caught:
        load_files([reading_dir / "leaf.pem", reading_dir / "garbage.txt", reading_dir / "empty.pem"])
    assert caught.value.path == str(reading_dir / "garbage.txt")


def test_load_each_keeps_going_past_unreadable_files(reading_dir: Path) -> None:
    results = load_each([reading_dir / "garbage.txt", reading_dir / "leaf.pem", reading_dir / "modern.pfx"])
    assert isinstance(results[0], FormatError)
    assert isinstance(results[1], Material)
    assert isinstance(results[2], PasswordError) and results[2].missing
    assert all(isinstance(r, Material | CertbenchError) for r in results)


def test_openssl_made_pkcs7_loads_without_a_warning_on_stderr(reading_dir: Path) -> None:
    """crl2pkcs7 writes an unsorted SET; cryptography warns about it, which must not reach the terminal."""
    import sys

    code = (
        "import sys; from certbench.core.formats.load import load_file; "
        "print(len(load_file(sys.argv[1]).certificates), len(load_file(sys.argv[2]).certificates))"
    )
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", code, reading_dir / "chain.p7b", reading_dir / "chain-der.p7c"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["3", "3"]
    assert result.stderr == ""


def test_pyjks_is_imported_only_when_a_keystore_is_read(reading_dir: Path) -> None:
    import sys

    code = (
        "import sys; from certbench.core.formats.load import load_file; "
        "load_file(sys.argv[1]); print('jks' in sys.modules); "
        "load_file(sys.argv[2], b'" + PASSWORD + "'); print('jks' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, reading_dir / "chain.pem", reading_dir / "truststore.jks"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "True"]


def test_uber_read_as_bks_with_a_bad_mac_still_opens_as_uber(reading_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """UBER's encrypted body parsed as BKS entries sometimes fails as a bad MAC (random salt per keytool run):
    that must lead to the UBER reader, not to a 'wrong BKS password' error."""
    import jks.bks
    import jks.util

    path = path_of(reading_dir, "truststore.uber")

    def bad_mac(*_args: object, **_kwargs: object) -> None:
        raise jks.util.KeystoreSignatureException("Hash mismatch; incorrect keystore password?")

    monkeypatch.setattr(jks.bks.BksKeyStore, "loads", bad_mac)
    assert load_file(path, PW).certificates
    with pytest.raises(PasswordError) as wrong:
        load_file(path, WRONG)
    assert "UBER" in wrong.value.message and not wrong.value.missing
