"""Every rule boundary pinned on openssl-made certificates, so a mutation of a comparison is caught.

Validity follows RFC 5280: notAfter is inclusive, so a certificate is still valid at the second of its
notAfter and expired one second later, in every module that asks (chain doctor, partner rules,
bindings, keystore JAR checklist, exports, truststores).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certbench.core.bindings import Registry, Verdict
from certbench.core.chain import analyze_chain
from certbench.core.checks import Check
from certbench.core.formats.load import load_file
from certbench.core.gateway import MAX_GATEWAY_JAR_BYTES, jar_checks
from certbench.core.issue import Issuer, issue_intermediate_ca
from certbench.core.keystore import BundleKind, BundleSource, export_checks
from certbench.core.rules import run_profile
from certbench.core.truststore import Filters, Status, collect_candidates, decide, source_from_material
from certbench.core.validity import EXPIRES_SOON_DAYS
from tool_runner import run_tool

LEAF_EXT = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n"
CA_EXT = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n"
TPP_EXT = (
    "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:tpp.example\n"
    "keyUsage={critical}digitalSignature,keyEncipherment\n"
)
TPP_SUBJECT = "/C=GB/O=ACME/CN=tpp.example/organizationIdentifier=PSDGB-FCA-123456"


def _openssl(d: Path, *args: str) -> None:
    run_tool("openssl", *args, cwd=d)


def _root(d: Path, name: str, *, bits: int = 2048, digest: str = "sha256", ext: tuple[str, ...] = ()) -> None:
    _openssl(d, "genrsa", "-out", f"{name}.key", str(bits))
    extra = [arg for value in ext for arg in ("-addext", value)]
    _openssl(
        d, "req", "-x509", "-new", f"-{digest}", "-key", f"{name}.key", "-subj", f"/O=ACME/CN=ACME {name}",
        "-days", "3650", *extra, "-out", f"{name}.pem",
    )  # fmt: skip


def _leaf(
    d: Path, name: str, issuer: str, *, days: int = 730, bits: int = 2048, digest: str = "sha256",
    ext: str = LEAF_EXT, subject: str | None = None,
) -> None:  # fmt: skip
    _openssl(d, "genrsa", "-out", f"{name}.key", str(bits))
    subject = subject or f"/O=ACME/CN=ACME {name}"
    _openssl(d, "req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr")
    (d / f"{name}.ext").write_text(ext)
    _openssl(
        d, "x509", "-req", f"-{digest}", "-in", f"{name}.csr", "-CA", f"{issuer}.pem", "-CAkey", f"{issuer}.key",
        "-CAcreateserial", "-days", str(days), "-extfile", f"{name}.ext", "-out", f"{name}.pem",
    )  # fmt: skip


def _bundle(d: Path, name: str, *parts: str) -> Path:
    path = d / f"{name}.pem"
    path.write_text("".join((d / f"{part}.pem").read_text() for part in parts))
    return path


def _profile(name: str, path: Path, now: datetime, **context: str) -> dict[str, Check]:
    return {check.code: check for check in run_profile(name, [load_file(path)], now=now, **context)}  # type: ignore[arg-type]


def _cert(d: Path, name: str) -> x509.Certificate:
    return load_file(d / f"{name}.pem").certificates[0]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("boundaries")
    _root(d, "root")
    for days in (364, 365, 1095, 1096):
        _leaf(d, f"days{days}", "root", days=days)
        _bundle(d, f"cp-days{days}", f"days{days}", "root")
    _leaf(d, "rsa4096", "root", bits=4096)
    _bundle(d, "cp-rsa4096", "rsa4096", "root")
    _leaf(d, "rsa1024", "root", bits=1024)
    _bundle(d, "cp-rsa1024", "rsa1024", "root")
    _leaf(d, "tpp-critical", "root", ext=TPP_EXT.format(critical="critical,"), subject=TPP_SUBJECT)
    _leaf(d, "tpp-plain", "root", ext=TPP_EXT.format(critical=""), subject=TPP_SUBJECT)
    # SHA-1: a self-signed root (its self-signature is never checked by peers) and an intermediate.
    _root(d, "sha1root", digest="sha1")
    _leaf(d, "under-sha1root", "sha1root")
    _bundle(d, "sha1root-chain", "under-sha1root", "sha1root")
    _leaf(d, "sha1inter", "root", digest="sha1", ext=CA_EXT)
    _leaf(d, "under-sha1inter", "sha1inter")
    _bundle(d, "sha1inter-chain", "under-sha1inter", "sha1inter", "root")
    # A root that allows one level of intermediates below it.
    _root(d, "pathlen1", ext=("basicConstraints=critical,CA:TRUE,pathlen:1", "keyUsage=critical,keyCertSign,cRLSign"))
    return d


# -- ConnectPay: leaf validity 365..1095 days, RSA keys ---------------------------------------------------


@pytest.mark.parametrize(("days", "passes"), [(364, False), (365, True), (1095, True), (1096, False)])
def test_connectpay_leaf_validity_window_is_inclusive(pki: Path, days: int, passes: bool) -> None:
    leaf = _cert(pki, f"days{days}")
    checks = _profile("connectpay", pki / f"cp-days{days}.pem", leaf.not_valid_before_utc, company="ACME")
    assert checks["connectpay.leaf-validity"].passed is passes, checks["connectpay.leaf-validity"].reason


def test_connectpay_rsa_rule_takes_2048_or_more(pki: Path) -> None:
    """Decision: ConnectPay's text says "RSA ... 2048 bits" while its own openssl recipe makes RSA 4096 keys;
    a stronger RSA key passes, a weaker one or a non-RSA key fails."""
    now = _cert(pki, "rsa4096").not_valid_before_utc
    strong = _profile("connectpay", pki / "cp-rsa4096.pem", now, company="ACME")
    weak = _profile("connectpay", pki / "cp-rsa1024.pem", now, company="ACME")
    assert strong["connectpay.rsa-2048"].passed, strong["connectpay.rsa-2048"].reason
    assert not weak["connectpay.rsa-2048"].passed
    assert "RSA 1024" in weak["connectpay.rsa-2048"].reason


# -- Open Banking TPP: keyUsage must be critical ---------------------------------------------------------


def test_open_banking_key_usage_must_be_critical(pki: Path) -> None:
    now = _cert(pki, "tpp-critical").not_valid_before_utc
    critical = _profile("open-banking-tpp", pki / "tpp-critical.pem", now)
    plain = _profile("open-banking-tpp", pki / "tpp-plain.pem", now)
    assert critical["open-banking-tpp.key-usage"].passed
    assert not plain["open-banking-tpp.key-usage"].passed
    assert "critical" in plain["open-banking-tpp.key-usage"].reason


# -- chain doctor: weak signatures and expiry -------------------------------------------------------------


def _codes(pki: Path, bundle: str, now: datetime) -> dict[str, set[str]]:
    report = analyze_chain([load_file(pki / f"{bundle}.pem")], now=now)
    codes: dict[str, set[str]] = {}
    for finding in report.findings:
        codes.setdefault(finding.code, set()).add(finding.subject or "")
    return codes


def test_sha1_self_signed_root_is_not_a_weak_signature_but_a_sha1_intermediate_is(pki: Path) -> None:
    now = _cert(pki, "under-sha1inter").not_valid_before_utc
    assert "cert.weak-signature" not in _codes(pki, "sha1root-chain", now)
    weak = _codes(pki, "sha1inter-chain", now)["cert.weak-signature"]
    assert weak == {"CN=ACME sha1inter,O=ACME"}


def test_expiry_is_inclusive_of_not_after_in_the_chain_doctor(pki: Path) -> None:
    not_after = _cert(pki, "days365").not_valid_after_utc
    assert "cert.expired" not in _codes(pki, "cp-days365", not_after)
    assert "cert.expired" in _codes(pki, "cp-days365", not_after + timedelta(seconds=1))


def test_expires_soon_starts_at_thirty_days(pki: Path) -> None:
    assert EXPIRES_SOON_DAYS == 30
    not_after = _cert(pki, "days365").not_valid_after_utc
    assert "cert.expires-soon" in _codes(pki, "cp-days365", not_after - timedelta(days=30))
    assert "cert.expires-soon" not in _codes(pki, "cp-days365", not_after - timedelta(days=30, seconds=1))


def test_partner_rules_use_the_same_expiry_boundary(pki: Path) -> None:
    not_after = _cert(pki, "days365").not_valid_after_utc
    at_end = _profile("sap-apim", pki / "cp-days365.pem", not_after)
    after = _profile("sap-apim", pki / "cp-days365.pem", not_after + timedelta(seconds=1))
    assert at_end["sap-apim.not-expired"].passed, at_end["sap-apim.not-expired"].reason
    assert "cert.expired" not in at_end
    assert not after["sap-apim.not-expired"].passed
    assert not after["cert.expired"].passed


def test_bindings_use_the_same_expiry_boundary(pki: Path, tmp_path: Path) -> None:
    leaf = _cert(pki, "days365")
    registry = Registry.load(tmp_path / "bindings.json")
    registry.add("client-1", leaf, now=leaf.not_valid_before_utc)
    assert registry.check("client-1", leaf, now=leaf.not_valid_after_utc).verdict is Verdict.MATCH
    later = leaf.not_valid_after_utc + timedelta(seconds=1)
    assert registry.check("client-1", leaf, now=later).verdict is Verdict.EXPIRED
    assert not registry.bindings[0].expired(leaf.not_valid_after_utc)


def test_keystore_checks_use_the_same_expiry_boundary(pki: Path) -> None:
    leaf, root = _cert(pki, "days365"), _cert(pki, "root")
    key = serialization.load_pem_private_key((pki / "days365.key").read_bytes(), None)
    names = ("main.pem", "privateKey.pem")

    def jar_expiry_passes(now: datetime) -> bool:
        checks = jar_checks([leaf, root], key, now=now, key_password=None, entry_names=names, size=1000)
        return next(c for c in checks if c.code == "jar.not-expired").passed

    def export_expiry_passes(now: datetime) -> bool:
        source = BundleSource("days365", leaf, (root,), key)
        checks = export_checks(source, BundleKind.P12, now=now, password=b"pw")
        return next(c for c in checks if c.code == "export.not-expired").passed

    assert jar_expiry_passes(leaf.not_valid_after_utc)
    assert not jar_expiry_passes(leaf.not_valid_after_utc + timedelta(seconds=1))
    assert export_expiry_passes(leaf.not_valid_after_utc)
    assert not export_expiry_passes(leaf.not_valid_after_utc + timedelta(seconds=1))


def test_truststores_use_the_same_expiry_boundary(pki: Path) -> None:
    root = _cert(pki, "root")
    candidate = collect_candidates([source_from_material(load_file(pki / "root.pem"))])[0]
    filters = Filters(drop_expired=True)
    assert decide(candidate, filters, now=root.not_valid_after_utc).status is Status.ADDED
    assert decide(candidate, filters, now=root.not_valid_after_utc + timedelta(seconds=1)).status is Status.EXPIRED


# -- issuing and the keystore JAR -------------------------------------------------------------------------


@pytest.mark.parametrize("requested", [None, 0, 1, 5])
def test_intermediate_pathlen_is_clamped_below_its_issuer(pki: Path, requested: int | None) -> None:
    """Under a pathlen:1 root an intermediate may have pathlen 0 at most, whatever is asked for."""
    root = _cert(pki, "pathlen1")
    root_key = serialization.load_pem_private_key((pki / "pathlen1.key").read_bytes(), None)
    inter_key = serialization.load_pem_private_key((pki / "days365.key").read_bytes(), None)
    issued = issue_intermediate_ca(
        x509.Name.from_rfc4514_string("CN=ACME Issuing CA,O=ACME"),
        key=inter_key,  # type: ignore[arg-type]
        issuer=Issuer(root, root_key, ()),  # type: ignore[arg-type]
        now=root.not_valid_before_utc,
        days=365,
        path_length=requested,
    )
    constraints = issued.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    (pki / f"inter-{requested}.pem").write_bytes(issued.certificate.public_bytes(serialization.Encoding.PEM))
    at = str(int(issued.certificate.not_valid_before_utc.timestamp()) + 60)
    run_tool("openssl", "verify", "-attime", at, "-CAfile", "pathlen1.pem", f"inter-{requested}.pem", cwd=pki)


@pytest.mark.parametrize(("size", "passes"), [(MAX_GATEWAY_JAR_BYTES - 1, True), (MAX_GATEWAY_JAR_BYTES, False)])
def test_jar_must_be_under_the_gateway_limit(pki: Path, size: int, passes: bool) -> None:
    leaf, root = _cert(pki, "days365"), _cert(pki, "root")
    key = serialization.load_pem_private_key((pki / "days365.key").read_bytes(), None)
    names = ("main.pem", "privateKey.pem")
    now = leaf.not_valid_before_utc
    checks = jar_checks([leaf, root], key, now=now, key_password=None, entry_names=names, size=size)
    assert next(c for c in checks if c.code == "jar.size").passed is passes
