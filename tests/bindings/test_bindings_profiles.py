"""Partner rule profiles (connectpay, sap-apim, open-banking-tpp) on openssl-made chains; `certbench check`."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from certbench.core.formats.load import load_file
from certbench.core.rules import RULE_TYPES, list_profiles, load_profile, run_profile

TPP_CNF = """[req]
prompt = no
distinguished_name = dn
req_extensions = ext
[dn]
businessCategory = Third Party Provider 1
jurisdictionCountryName = US
serialNumber = 18505934000140
countryName = US
organizationName = AXWAY
commonName = tpp1.demo.axway.com
[ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:tpp1.demo.axway.com
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
"""

LEAF_EXT = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n"
CA_EXT = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"


def _ssl(d: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)


def _sign(d: Path, name: str, key: str, subj: str, ca: str, days: str, ext: str) -> None:
    _ssl(d, "req", "-new", "-key", key, "-subj", subj, "-out", f"{name}.csr")
    _ssl(
        d,
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        f"{ca}.pem",
        "-CAkey",
        f"{ca}.key",
        "-CAcreateserial",
        "-days",
        days,
        "-extfile",
        ext,
        "-out",
        f"{name}.pem",
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("profiles")
    (d / "leaf.ext").write_text(LEAF_EXT)
    (d / "ca.ext").write_text(CA_EXT)
    (d / "tpp.cnf").write_text(TPP_CNF)
    for key in ("root", "leaf"):
        _ssl(d, "genrsa", "-out", f"{key}.key", "2048")
    _ssl(d, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key")
    # ConnectPay: self-signed ACME root + ACME client leaf (2 years), RSA 2048.
    _ssl(
        d,
        "req",
        "-x509",
        "-new",
        "-key",
        "root.key",
        "-subj",
        "/O=ACME/CN=ACME Root CA",
        "-days",
        "3650",
        "-out",
        "root.pem",
    )
    _sign(d, "leaf", "leaf.key", "/O=ACME/CN=ACME mTLS client", "root", "730", "leaf.ext")
    (d / "cp-good.pem").write_text((d / "leaf.pem").read_text() + (d / "root.pem").read_text())
    (d / "cp-reversed.pem").write_text((d / "root.pem").read_text() + (d / "leaf.pem").read_text())
    # A Let's Encrypt-like issuer, an EC key and a 90-day leaf.
    _ssl(
        d,
        "req",
        "-x509",
        "-new",
        "-key",
        "root.key",
        "-subj",
        "/C=US/O=Let's Encrypt/CN=R3",
        "-days",
        "3650",
        "-out",
        "le.pem",
    )
    (d / "le.key").write_bytes((d / "root.key").read_bytes())
    _sign(d, "short", "ec.key", "/O=ACME/CN=ACME short", "le", "90", "leaf.ext")
    (d / "cp-bad.pem").write_text((d / "short.pem").read_text() + (d / "le.pem").read_text())
    # SAP: root -> intermediate -> leaf.
    _sign(d, "inter", "ec.key", "/O=ACME/CN=ACME Issuing CA", "root", "1000", "ca.ext")
    (d / "inter.key").write_bytes((d / "ec.key").read_bytes())
    _sign(d, "sapleaf", "leaf.key", "/O=ACME/CN=api.acme.example", "inter", "400", "leaf.ext")
    (d / "sap-good.pem").write_text(
        (d / "sapleaf.pem").read_text() + (d / "inter.pem").read_text() + (d / "root.pem").read_text()
    )
    (d / "sap-shuffled.pem").write_text(
        (d / "inter.pem").read_text() + (d / "sapleaf.pem").read_text() + (d / "root.pem").read_text()
    )
    _ssl(d, "x509", "-in", "sap-good.pem", "-outform", "DER", "-out", "leaf.der")
    # Open Banking TPP, seed 000 style.
    _ssl(d, "req", "-new", "-key", "leaf.key", "-config", "tpp.cnf", "-out", "tpp.csr")
    _ssl(
        d,
        "x509",
        "-req",
        "-in",
        "tpp.csr",
        "-CA",
        "root.pem",
        "-CAkey",
        "root.key",
        "-CAcreateserial",
        "-days",
        "365",
        "-copy_extensions",
        "copy",
        "-out",
        "tpp.pem",
    )
    (d / "garbage.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    return d


def _checks(name: str, d: Path, *files: str, **kw):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    now = kw.pop("now", datetime.now(UTC))
    return {c.code.split(".", 1)[1]: c for c in run_profile(name, [load_file(d / f) for f in files], now=now, **kw)}


def test_profiles_are_data_and_use_known_rule_types() -> None:
    names = [p.name for p in list_profiles()]
    assert names == ["connectpay", "open-banking-tpp", "sap-apim"]
    for profile in list_profiles():
        assert profile.rules and all(rule["type"] in RULE_TYPES for rule in profile.rules)
    assert len(load_profile("connectpay").rules) == 9


def test_connectpay_pass(pki: Path) -> None:
    checks = _checks("connectpay", pki, "cp-good.pem", company="acme")
    assert {code: c.passed for code, c in checks.items() if not c.passed} == {}
    assert "730 days" in checks["leaf-validity"].reason


def test_connectpay_failures(pki: Path) -> None:
    checks = _checks("connectpay", pki, "cp-bad.pem", company="Globex")
    failed = {code for code, c in checks.items() if not c.passed}
    assert {"leaf-validity", "rsa-2048", "company-cn", "issuer"} <= failed
    assert "Let's Encrypt" in checks["issuer"].reason
    assert "90 days" in checks["leaf-validity"].reason
    assert "ACME short has a non-RSA key" in checks["rsa-2048"].reason
    reversed_ = _checks("connectpay", pki, "cp-reversed.pem", company="ACME")
    assert not reversed_["order"].passed and "leaf -> intermediates -> root" in reversed_["order"].reason
    two_files = _checks("connectpay", pki, "leaf.pem", "root.pem", company="ACME")
    assert not two_files["single-file"].passed
    no_company = _checks("connectpay", pki, "cp-good.pem")
    assert not no_company["company-cn"].passed and "--company" in no_company["company-cn"].reason
    only_leaf = _checks("connectpay", pki, "leaf.pem", company="ACME")
    assert not only_leaf["roles"].passed


def test_connectpay_shared_key_is_a_warning(pki: Path) -> None:
    leaf = x509.load_pem_x509_certificate((pki / "leaf.pem").read_bytes())
    tpp = x509.load_pem_x509_certificate((pki / "tpp.pem").read_bytes())  # same leaf.key
    root = x509.load_pem_x509_certificate((pki / "root.pem").read_bytes())
    checks = _checks(
        "connectpay",
        pki,
        "cp-good.pem",
        company="ACME",
        workspace_certificates={"prod": leaf, "stage": tpp, "ca": root},
    )
    shared = checks["not-shared"]
    assert not shared.passed and shared.severity == "warning" and "prod, stage" in shared.reason


def test_sap_apim(pki: Path) -> None:
    good = _checks("sap-apim", pki, "sap-good.pem", key_password=b"Plain-Passw0rd")
    assert all(c.passed for c in good.values()), [c for c in good.values() if not c.passed]
    assert "not checked" in _checks("sap-apim", pki, "sap-good.pem")["password"].reason
    bad = _checks("sap-apim", pki, "sap-shuffled.pem", key_password=b"pa$$:word")
    assert not bad["order"].passed
    assert not bad["password"].passed and "contains 3 restricted characters" in bad["password"].reason
    # Which restricted characters the password holds is not disclosed: another with as many reads the same.
    other = _checks("sap-apim", pki, "sap-shuffled.pem", key_password=b"pa@@#word")
    assert other["password"].reason == bad["password"].reason
    # One gateway policy (core/gateway.py): the rule says what the JAR checklist and the Keystore screen say.
    from certbench.core.gateway import password_problem

    assert bad["password"].reason == password_problem(b"pa$$:word")
    assert not _checks("sap-apim", pki, "leaf.der")["format"].passed
    assert not _checks("sap-apim", pki, "leaf.pem", "tpp.pem")["single-chain"].passed
    from datetime import UTC, datetime

    later = datetime.now(UTC) + timedelta(days=500)
    assert not _checks("sap-apim", pki, "sap-good.pem", now=later)["not-expired"].passed


def test_open_banking_tpp(pki: Path) -> None:
    good = _checks("open-banking-tpp", pki, "tpp.pem", "root.pem")
    assert all(c.passed for c in good.values()), [c for c in good.values() if not c.passed]
    # The chain doctor runs too; its error findings keep the doctor's own codes (chain.order, not chain.chain.order).
    shuffled = run_profile("sap-apim", [load_file(pki / "sap-shuffled.pem")], now=datetime.now(UTC))
    doctor = {c.code: c for c in shuffled if c.title == "chain doctor"}
    assert "chain.order" in doctor and not doctor["chain.order"].passed
    assert "serialNumber + jurisdictionCountryName + businessCategory" in good["eidas-subject"].reason
    bad = _checks("open-banking-tpp", pki, "root.pem")
    assert {code for code, c in bad.items() if not c.passed} >= {"eku", "san-dns", "ca-false", "eidas-subject"}
    leaf = _checks("open-banking-tpp", pki, "leaf.pem")
    assert not leaf["key-usage"].passed and leaf["eku"].passed


def test_cli_check_exit_codes(run_cli, pki: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ["--workspace", str(tmp_path / "ws")]
    code, out, _ = run_cli(*ws, "check", "--profile", "connectpay", str(pki / "cp-good.pem"), "--company", "ACME")
    assert code == 0 and "all rules pass" in out
    code, out, _ = run_cli(*ws, "check", "--profile", "connectpay", str(pki / "cp-bad.pem"), "--json")
    document = json.loads(out)
    assert code == 1 and document["passed"] is False
    assert {c["code"] for c in document["checks"] if not c["passed"]} >= {"connectpay.issuer", "connectpay.rsa-2048"}
    code, _, err = run_cli(*ws, "check", "--profile", "sap-apim", str(pki / "garbage.pem"))
    assert code == 2 and "garbage.pem" in err
    code, _, err = run_cli(*ws, "check", "--profile", "nope", str(pki / "root.pem"))
    assert code == 2 and "unknown profile" in err
    code, out, _ = run_cli(
        *ws,
        "check",
        "--profile",
        "sap-apim",
        str(pki / "sap-good.pem"),
        "--key-password-env",
        "SAPPW",
        env={"SAPPW": "x@y"},
    )
    assert code == 1 and "FAIL" in out and "x@y" not in out
