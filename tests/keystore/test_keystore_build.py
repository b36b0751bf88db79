"""Keystore core: sources, chain completion from workspace CAs, the JAR builder and every export."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from keystore_material import ITEM_PASSWORD, Pki, fill_workspace, shared_pki

from certbench.core import keystore as ks
from certbench.core.errors import KeystoreError, OutputExistsError, PasswordError, UsageError
from certbench.core.formats.jar import load_keystore_jar
from certbench.core.formats.load import load_file, load_material
from certbench.core.formats.material import Format
from certbench.core.gateway import password_problem
from certbench.core.workspace import Workspace
from conftest import FIXED_NOW


@pytest.fixture(scope="module")
def pki() -> Pki:
    return shared_pki()


@pytest.fixture
def ws(workspace: Workspace, pki: Pki) -> Workspace:
    fill_workspace(workspace, pki, FIXED_NOW)
    return workspace


def _source(ws: Workspace, name: str = "leaf", need_key: bool = True) -> ks.BundleSource:
    return ks.source_from_item(ws, ws.get(name), key_password=ITEM_PASSWORD.encode(), need_key=need_key)


def test_item_chain_is_completed_from_workspace_cas(ws: Workspace, pki: Pki) -> None:
    source = _source(ws)
    # The item stores only the intermediate: the root comes from the workspace CA item.
    assert ws.load_chain(ws.get("leaf")) == [pki.cert("int")]
    assert source.chain == (pki.cert("leaf"), pki.cert("int"), pki.cert("root"))
    assert source.ends_at_root
    assert source.without_root() == (pki.cert("leaf"), pki.cert("int"))
    assert ks.key_matches(source)


def test_given_chain_in_wrong_order_is_relinked(pki: Pki) -> None:
    given = [pki.cert("root"), pki.cert("expired"), pki.cert("int")]  # shuffled, with an unrelated leaf
    assert ks.complete_issuers(pki.cert("leaf"), given) == (pki.cert("int"), pki.cert("root"))
    # Nothing given: the pool supplies everything.
    assert ks.complete_issuers(pki.cert("leaf"), [], [pki.cert("root"), pki.cert("int")]) == (
        pki.cert("int"),
        pki.cert("root"),
    )
    # Nothing known: the leaf alone.
    assert ks.complete_issuers(pki.cert("leaf"), []) == ()


def test_item_key_password_errors(ws: Workspace) -> None:
    with pytest.raises(PasswordError) as missing:
        ks.source_from_item(ws, ws.get("leaf"), key_password=None)
    assert missing.value.missing
    with pytest.raises(PasswordError, match="wrong password"):
        ks.source_from_item(ws, ws.get("leaf"), key_password=b"wrong")
    with pytest.raises(KeystoreError, match="no private key"):
        ks.source_from_item(ws, ws.get("root"), key_password=None)
    # Certificates-only bundles do not need the key (nor its password).
    assert ks.source_from_item(ws, ws.get("leaf"), need_key=False).key is None


def test_keystore_jar_layout(ws: Workspace, pki: Pki) -> None:
    bundle = ks.build_keystore_jar(_source(ws), now=FIXED_NOW, key_password=b"gatewaypass1")
    assert bundle.ok, bundle.failures
    archive = zipfile.ZipFile(io.BytesIO(bundle.data))
    assert archive.namelist() == ["META-INF/MANIFEST.MF", "META-INF/descriptor.properties", "leaf.pem", "leafKey.pem"]
    first = archive.infolist()[0]
    assert first.extra == ks.JAR_MAGIC_EXTRA
    assert all(info.date_time == ks.ZIP_TIMESTAMP for info in archive.infolist())
    assert archive.read("META-INF/MANIFEST.MF") == b"Manifest-Version: 1.0\r\nCreated-By: certbench\r\n\r\n"
    assert archive.read("META-INF/descriptor.properties") == b"certFile=leaf.pem\nkeyFile=leafKey.pem\n"
    chain_text = archive.read("leaf.pem").decode()
    blocks = chain_text.split("\n\n")
    assert len(blocks) == 3 and all(b.startswith("-----BEGIN CERTIFICATE-----") for b in blocks)
    assert chain_text.encode() == b"\n".join(pki.path(n + ".pem").read_bytes() for n in ("leaf", "int", "root"))
    assert archive.read("leafKey.pem").startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    material = load_keystore_jar(bundle.data, path="x.jar", password=b"gatewaypass1")
    assert material.certificates == (pki.cert("leaf"), pki.cert("int"), pki.cert("root"))
    assert len(bundle.data) < 50 * 1024


def test_keystore_jar_plain_key_is_byte_identical(ws: Workspace) -> None:
    first = ks.build_keystore_jar(_source(ws), now=FIXED_NOW, name="Gateway1", key_password=None)
    second = ks.build_keystore_jar(_source(ws), now=FIXED_NOW, name="Gateway1", key_password=None)
    assert first.data == second.data
    assert zipfile.ZipFile(io.BytesIO(first.data)).read("Gateway1Key.pem").startswith(b"-----BEGIN PRIVATE KEY-----")


@pytest.mark.parametrize(
    ("item", "name", "password", "code"),
    [
        ("expired", None, b"gatewaypass1", "jar.not-expired"),
        ("mismatch", None, b"gatewaypass1", "jar.key-matches"),
        ("leaf", None, b"gateway@pass", "jar.password-characters"),
        ("leaf", "gate-way", b"gatewaypass1", "jar.names"),
    ],
)
def test_keystore_jar_refusals(
    ws: Workspace, tmp_path: Path, item: str, name: str | None, password: bytes, code: str
) -> None:
    bundle = ks.build_keystore_jar(_source(ws, item), now=FIXED_NOW, name=name, key_password=password)
    assert not bundle.ok
    assert [c.code for c in bundle.failures] == [code]
    with pytest.raises(KeystoreError, match="refusing to write"):
        ks.write_bundle(tmp_path / "out.jar", bundle)
    assert not (tmp_path / "out.jar").exists()


def test_keystore_jar_incomplete_chain_is_refused(pki: Pki) -> None:
    source = ks.source_from_materials("leaf", load_file(pki.path("leaf.pem")), key=load_file(pki.path("leaf.key")))
    bundle = ks.build_keystore_jar(source, now=FIXED_NOW, key_password=b"gatewaypass1")
    assert [c.code for c in bundle.failures] == ["jar.chain"]


def test_keystore_jar_unsafe_name_is_a_usage_error(ws: Workspace) -> None:
    with pytest.raises(UsageError):
        ks.build_keystore_jar(_source(ws), now=FIXED_NOW, name="../evil", key_password=None)
    with pytest.raises(PasswordError):
        ks.build_keystore_jar(_source(ws), now=FIXED_NOW, key_password=b"")


def test_write_bundle_modes_and_no_overwrite(ws: Workspace, tmp_path: Path) -> None:
    bundle = ks.build_keystore_jar(_source(ws), now=FIXED_NOW, key_password=b"gatewaypass1")
    target = ks.write_bundle(tmp_path / "k.jar", bundle)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(OutputExistsError):
        ks.write_bundle(target, bundle)
    ks.write_bundle(target, bundle, overwrite=True)
    chain = ks.build_export(_source(ws, need_key=False), ks.BundleKind.PEM_CHAIN, now=FIXED_NOW)
    public = ks.write_bundle(tmp_path / "chain.pem", chain)
    assert stat.S_IMODE(public.stat().st_mode) == 0o644


def test_exports_round_trip(ws: Workspace, pki: Pki) -> None:
    source = _source(ws)
    chain = (pki.cert("leaf"), pki.cert("int"), pki.cert("root"))
    pem_chain = ks.build_export(source, ks.BundleKind.PEM_CHAIN, now=FIXED_NOW).data
    assert load_material(pem_chain, path="c.pem").certificates == chain
    assert pem_chain.count(b"-----END CERTIFICATE-----\n\n-----BEGIN") == 2
    no_root = ks.build_export(source, ks.BundleKind.PEM_CHAIN, now=FIXED_NOW, no_root=True).data
    assert load_material(no_root, path="c.pem").certificates == chain[:2]
    assert load_material(
        ks.build_export(source, ks.BundleKind.PEM_CERT, now=FIXED_NOW).data, path="a"
    ).certificates == (chain[0],)
    der = load_material(ks.build_export(source, ks.BundleKind.DER, now=FIXED_NOW).data, path="a.der")
    assert der.format is Format.DER and der.certificates == (chain[0],)
    key = ks.build_export(source, ks.BundleKind.KEY, now=FIXED_NOW, password=b"keypass1").data
    assert key.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert ks.key_matches(
        ks.BundleSource("k", chain[0], key=load_material(key, path="k", password=b"keypass1").keys[0])
    )
    plain = ks.build_export(source, ks.BundleKind.KEY, now=FIXED_NOW, encrypt_key=False).data
    assert plain.startswith(b"-----BEGIN PRIVATE KEY-----")
    p7b = ks.build_export(source, ks.BundleKind.P7B, now=FIXED_NOW).data
    # PKCS#7 holds a SET OF certificates: DER sorts it, so only membership is meaningful.
    assert sorted(c.serial_number for c in pkcs7.load_der_pkcs7_certificates(p7b)) == sorted(
        c.serial_number for c in chain
    )


@pytest.mark.parametrize("legacy", [False, True])
def test_p12_export(ws: Workspace, pki: Pki, legacy: bool) -> None:
    data = ks.build_export(_source(ws), ks.BundleKind.P12, now=FIXED_NOW, password=b"p12pass1", legacy=legacy).data
    bundle = pkcs12.load_pkcs12(data, b"p12pass1")
    assert bundle.cert is not None and bundle.cert.certificate == pki.cert("leaf")
    assert bundle.cert.friendly_name == b"leaf"
    assert [c.certificate for c in bundle.additional_certs] == [pki.cert("int"), pki.cert("root")]
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(data, b"wrong")  # the MAC is there and checked


def test_jks_export_round_trip(ws: Workspace, pki: Pki) -> None:
    import jks

    data = ks.build_export(
        _source(ws, "leafrsa"), ks.BundleKind.JKS, now=FIXED_NOW, password=b"storepass1", key_password=b"keypass22"
    ).data
    store = jks.KeyStore.loads(data, "storepass1", try_decrypt_keys=False)
    entry = store.private_keys["leafrsa"]
    entry.decrypt("keypass22")
    assert [c[1] for c in entry.cert_chain] == [
        pki.cert(n).public_bytes(serialization.Encoding.DER) for n in ("leafrsa", "int", "root")
    ]
    assert entry.timestamp == int(FIXED_NOW.timestamp() * 1000)


def test_export_checks(ws: Workspace) -> None:
    mismatch = ks.build_export(_source(ws, "mismatch"), ks.BundleKind.P12, now=FIXED_NOW, password=b"p12pass1")
    assert not mismatch.ok and mismatch.data == b""
    assert [c.code for c in mismatch.failures] == ["export.key-matches"]
    expired = ks.build_export(_source(ws, "expired"), ks.BundleKind.PEM_CHAIN, now=FIXED_NOW)
    assert expired.ok  # advice only for exports
    warnings = {c.code for c in expired.checks if not c.passed}
    assert warnings == {"export.not-expired"}
    restricted = ks.build_export(_source(ws), ks.BundleKind.P12, now=FIXED_NOW, password=b"a@b")
    assert restricted.ok and {c.code for c in restricted.checks if not c.passed} == {"export.password-characters"}
    other = ks.build_export(_source(ws), ks.BundleKind.P12, now=FIXED_NOW, password=b"a#b")
    reasons = {c.reason for bundle in (restricted, other) for c in bundle.checks if not c.passed}
    assert len(reasons) == 1 and "contains 1 restricted character;" in next(iter(reasons))
    assert reasons == {password_problem(b"a@b")}  # the one gateway message (rules, JAR checklist, screen)


def test_exports_that_need_a_password_or_key(ws: Workspace) -> None:
    for kind in (ks.BundleKind.P12, ks.BundleKind.JKS, ks.BundleKind.KEY):
        with pytest.raises(PasswordError):
            ks.build_export(_source(ws), kind, now=FIXED_NOW)
        with pytest.raises(KeystoreError, match="needs the private key"):
            ks.build_export(_source(ws, need_key=False), kind, now=FIXED_NOW, password=b"x")
    with pytest.raises(UsageError):
        ks.build_export(_source(ws), ks.BundleKind.KEYSTORE_JAR, now=FIXED_NOW)


def test_default_jar_name() -> None:
    assert ks.default_jar_name("api-client_2026.prod") == "apiclient2026prod"
    assert ks.default_jar_name("---") == "keystore"


def test_plan_without_passwords_previews_the_checklist(ws: Workspace, pki: Pki) -> None:
    plan = ks.plan_item_bundle(ws, "leaf", ks.BundleKind.KEYSTORE_JAR, now=FIXED_NOW)
    assert plan.bundle is None and not plan.ok
    by_code = {c.code: c for c in plan.checks}
    assert not by_code["plan.item-key"].passed and "type the password" in by_code["plan.item-key"].reason
    assert not by_code["plan.password"].passed
    assert by_code["jar.chain"].passed and by_code["jar.not-expired"].passed
    assert by_code["jar.key-matches"].reason == "known once the item key is unlocked"
    # Rows stay listed once they pass; a password not typed yet is not judged "without restricted characters".
    assert by_code["jar.password-characters"].severity == "pending" and not by_code["jar.password-characters"].passed
    given = ks.plan_item_bundle(ws, "leaf", ks.BundleKind.KEYSTORE_JAR, now=FIXED_NOW, password=b"gatewaypass1")
    assert {c.code: c.passed for c in given.checks if c.code.startswith("plan.")} == {
        "plan.item-key": False,
        "plan.password": True,
    }
    assert plan.source.chain == (pki.cert("leaf"), pki.cert("int"), pki.cert("root"))
    wrong = ks.plan_item_bundle(ws, "leaf", ks.BundleKind.P12, now=FIXED_NOW, item_password=b"nope", password=b"x1")
    assert {c.code: c.reason for c in wrong.failures}["plan.item-key"] == "wrong item key password"
    no_key = ks.plan_item_bundle(ws, "root", ks.BundleKind.JKS, now=FIXED_NOW, password=b"x1")
    assert "has no private key" in {c.code: c.reason for c in no_key.failures}["plan.item-key"]


def test_plan_builds_when_everything_is_given(ws: Workspace) -> None:
    item_password = ITEM_PASSWORD.encode()
    plan = ks.plan_item_bundle(
        ws, "leaf", ks.BundleKind.KEYSTORE_JAR, now=FIXED_NOW, item_password=item_password, password=b"gatewaypass1"
    )
    assert plan.ok and plan.bundle is not None and plan.bundle.data.startswith(b"PK")
    plain = ks.plan_item_bundle(
        ws, "leaf", ks.BundleKind.KEYSTORE_JAR, now=FIXED_NOW, item_password=item_password, encrypt_key=False
    )
    assert plain.ok  # no password needed when the key is to be stored plain
    chain = ks.plan_item_bundle(ws, "leaf", ks.BundleKind.PEM_CHAIN, now=FIXED_NOW)
    assert chain.ok and chain.bundle is not None  # certificates only: no key, no password
    legacy = ks.plan_item_bundle(
        ws, "leaf", ks.BundleKind.P12, now=FIXED_NOW, item_password=item_password, password=b"p1", legacy=True
    )
    assert legacy.ok and legacy.bundle is not None
    assert pkcs12.load_pkcs12(legacy.bundle.data, b"p1").key is not None


def test_plan_with_a_partner_profile(ws: Workspace) -> None:
    item_password = ITEM_PASSWORD.encode()
    plan = ks.plan_item_bundle(
        ws, "leaf", ks.BundleKind.P12, now=FIXED_NOW, item_password=item_password, password=b"p1", profile="sap-apim"
    )
    codes = {c.code for c in plan.failures}
    assert "sap-apim.format" in codes  # the SAP keystore upload wants PEM, not PKCS#12
    jar_plan = ks.plan_item_bundle(
        ws, "leaf", ks.BundleKind.KEYSTORE_JAR, now=FIXED_NOW, item_password=item_password, password=b"p@1",
        profile="sap-apim",
    )  # fmt: skip
    assert {c.code for c in jar_plan.failures} == {"jar.password-characters", "sap-apim.password"}
