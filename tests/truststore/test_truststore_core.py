"""Core truststore logic: collecting, de-duplication, aliases, filters, serializers, diff."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import truststore_material
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st
from truststore_material import STOREPASS, TrustMaterial

from certbench.core import truststore as ts
from certbench.core.errors import FormatError, KeystoreError, PasswordError, UsageError
from certbench.core.formats.load import load_file, load_material
from conftest import FIXED_NOW

trust_material = truststore_material.trust_material  # the session fixture

SAFE_ALIAS = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _bundle_candidates(material: TrustMaterial) -> list[ts.Candidate]:
    return ts.collect_candidates([ts.source_from_material(load_file(material.bundle))])


def test_collect_dedupes_by_sha256_and_keeps_input_order(trust_material: TrustMaterial) -> None:
    candidates = _bundle_candidates(trust_material)
    # 7 roots + intermediate + server + alpha again
    assert len(candidates) == 10
    duplicates = [c for c in candidates if c.is_duplicate]
    assert len(duplicates) == 1
    assert duplicates[0].duplicate_of == "alpha-root-ca" == duplicates[0].alias
    assert duplicates[0].sha256 == candidates[0].sha256
    assert len({c.sha256 for c in candidates}) == 9


def test_aliases_are_lowercase_safe_unique_with_numeric_suffix(trust_material: TrustMaterial) -> None:
    candidates = [c for c in _bundle_candidates(trust_material) if not c.is_duplicate]
    aliases = [c.alias for c in candidates]
    assert aliases == [
        "alpha-root-ca",
        "beta-root-ca",
        "old-root-ca",
        "twin-root-ca",
        "twin-root-ca-2",
        "weird-root-ca",
        "soon-root-ca",
        "alpha-issuing-ca",
        "localhost",
    ]
    assert all(SAFE_ALIAS.match(alias) for alias in aliases)


def test_aliases_are_stable_across_runs_and_filters(trust_material: TrustMaterial) -> None:
    first = [c.alias for c in _bundle_candidates(trust_material)]
    second = [c.alias for c in _bundle_candidates(trust_material)]
    assert first == second
    plan = ts.select_entries(_bundle_candidates(trust_material), ts.Filters(include=("Twin",)), now=FIXED_NOW)
    assert [e.alias for e in plan.entries] == ["twin-root-ca", "twin-root-ca-2"]


def test_ca_detection(trust_material: TrustMaterial) -> None:
    by_alias = {c.alias: c for c in _bundle_candidates(trust_material)}
    assert by_alias["alpha-issuing-ca"].is_ca
    assert by_alias["alpha-root-ca"].is_ca
    assert not by_alias["localhost"].is_ca


def test_filters_report_every_decision(trust_material: TrustMaterial) -> None:
    filters = ts.Filters(ca_only=True, drop_expired=True, exclude=("weird",))
    plan = ts.select_entries(_bundle_candidates(trust_material), filters, now=FIXED_NOW)
    status = {d.candidate.alias: d.status for d in plan.decisions if not d.candidate.is_duplicate}
    assert status == {
        "alpha-root-ca": ts.Status.ADDED,
        "beta-root-ca": ts.Status.ADDED,
        "old-root-ca": ts.Status.EXPIRED,
        "twin-root-ca": ts.Status.ADDED,
        "twin-root-ca-2": ts.Status.ADDED,
        "weird-root-ca": ts.Status.FILTERED,
        "soon-root-ca": ts.Status.ADDED,
        "alpha-issuing-ca": ts.Status.ADDED,
        "localhost": ts.Status.NON_CA,
    }
    assert plan.count(ts.Status.DUPLICATE) == 1
    report = plan.to_json(FIXED_NOW)
    assert (report["added"], report["duplicate"], report["expired"], report["non_ca"], report["filtered"]) == (
        6,
        1,
        1,
        1,
        1,
    )


def test_include_is_case_insensitive_and_any_of(trust_material: TrustMaterial) -> None:
    plan = ts.select_entries(
        _bundle_candidates(trust_material), ts.Filters(include=("alpha root", "BETA")), now=FIXED_NOW
    )
    assert [e.alias for e in plan.entries] == ["alpha-root-ca", "beta-root-ca"]


def test_without_filters_expired_and_non_ca_are_kept(trust_material: TrustMaterial) -> None:
    plan = ts.select_entries(_bundle_candidates(trust_material), ts.Filters(), now=FIXED_NOW)
    assert len(plan.entries) == 9
    assert any(e.is_expired(FIXED_NOW) for e in plan.entries)


def test_sources_pkcs7_pkcs12_and_key_entries(trust_material: TrustMaterial) -> None:
    p7 = ts.collect_candidates([ts.source_from_material(load_file(trust_material.p7b))])
    p12 = ts.collect_candidates(
        [ts.source_from_material(load_file(trust_material.keytool_p12, password=STOREPASS.encode()))]
    )
    assert {c.alias for c in p7} == {c.alias for c in p12} == {"alpha-root-ca", "beta-root-ca"}
    assert {c.sha256 for c in p7} == {c.sha256 for c in p12}


def test_workspace_item_source(trust_material: TrustMaterial, workspace) -> None:
    certificate = x509.load_pem_x509_certificate(trust_material.roots["beta"].read_bytes())
    workspace.save_item("beta", ts_item_kind_ca(), now=FIXED_NOW, certificate=certificate)
    items = ts.workspace_ca_items(workspace)
    assert [i.name for i in items] == ["beta"]
    source = ts.source_from_item(workspace, items[0])
    assert source.label == "workspace:beta"
    assert ts.collect_candidates([source])[0].alias == "beta-root-ca"


def ts_item_kind_ca():
    from certbench.core.workspace import ItemKind

    return ItemKind.CA


def test_pem_serializer_comment_lines(trust_material: TrustMaterial) -> None:
    plan = ts.select_entries(_bundle_candidates(trust_material), ts.Filters(ca_only=True), now=FIXED_NOW)
    data = ts.serialize_truststore(plan.entries, ts.TrustFormat.PEM, password=None, now=FIXED_NOW)
    lines = data.decode().splitlines()
    comments = [line for line in lines if line.startswith("# ")]
    assert len(comments) == len(plan.entries) == data.count(b"-----BEGIN CERTIFICATE-----")
    assert comments[0] == "# alpha-root-ca: CN=Alpha Root CA,O=Certbench Test (expires 2035-01-01T00:00:00Z)"
    assert "# weird-root-ca: CN=[weird] Root CA,O=Certbench Test (expires 2031-01-01T00:00:00Z)" in comments
    # each comment sits right above its block
    for index, line in enumerate(lines):
        if line.startswith("# "):
            assert lines[index + 1] == "-----BEGIN CERTIFICATE-----"
    reread = load_material(data, path="out.pem")
    assert [c.sha256 for c in ts.store_candidates(reread)] == [e.sha256 for e in plan.entries]


def test_p12_serializer_reads_back_with_aliases(trust_material: TrustMaterial) -> None:
    entries = ts.select_entries(_bundle_candidates(trust_material), ts.Filters(), now=FIXED_NOW).entries
    data = ts.serialize_truststore(entries, ts.TrustFormat.P12, password=b"secret1", now=FIXED_NOW)
    material = load_material(data, path="out.p12", password=b"secret1")
    assert not material.keys
    listed = ts.store_candidates(material)
    assert sorted(c.alias for c in listed) == sorted(e.alias for e in entries)
    with pytest.raises(PasswordError):
        load_material(data, path="out.p12", password=b"wrong")


def test_jks_serializer_uses_now_for_entry_dates(trust_material: TrustMaterial) -> None:
    import jks

    entries = ts.select_entries(_bundle_candidates(trust_material), ts.Filters(), now=FIXED_NOW).entries
    data = ts.serialize_truststore(entries, ts.TrustFormat.JKS, password=b"secret1", now=FIXED_NOW)
    store = jks.KeyStore.loads(data, "secret1")
    assert sorted(store.certs) == sorted(e.alias for e in entries)
    assert not store.private_keys
    assert {entry.timestamp for entry in store.certs.values()} == {int(FIXED_NOW.timestamp() * 1000)}


def test_serializer_refuses_empty_and_missing_password(trust_material: TrustMaterial) -> None:
    with pytest.raises(KeystoreError, match="no certificate left"):
        ts.serialize_truststore([], ts.TrustFormat.PEM, password=None, now=FIXED_NOW)
    entries = ts.select_entries(_bundle_candidates(trust_material), ts.Filters(), now=FIXED_NOW).entries
    for fmt in (ts.TrustFormat.JKS, ts.TrustFormat.P12):
        with pytest.raises(PasswordError, match="needs a password"):
            ts.serialize_truststore(entries, fmt, password=None, now=FIXED_NOW)


def test_save_refuses_overwrite(trust_material: TrustMaterial, tmp_path) -> None:
    entries = ts.select_entries(_bundle_candidates(trust_material), ts.Filters(), now=FIXED_NOW).entries
    out = tmp_path / "trust.pem"
    ts.save_truststore(out, entries, ts.TrustFormat.PEM, password=None, now=FIXED_NOW)
    from certbench.core.errors import OutputExistsError

    with pytest.raises(OutputExistsError):
        ts.save_truststore(out, entries, ts.TrustFormat.PEM, password=None, now=FIXED_NOW)
    ts.save_truststore(out, entries[:1], ts.TrustFormat.PEM, password=None, now=FIXED_NOW, overwrite=True)
    assert out.read_bytes().count(b"BEGIN CERTIFICATE") == 1


def test_diff_added_removed_expiring(trust_material: TrustMaterial) -> None:
    everything = [c for c in _bundle_candidates(trust_material) if not c.is_duplicate]
    old = [c for c in everything if c.alias != "beta-root-ca"]
    new = [c for c in everything if c.alias != "localhost"]
    result = ts.diff_truststores(old, new, now=FIXED_NOW, warn_days=30)
    assert not result.equal
    assert [c.alias for c in result.added] == ["beta-root-ca"]
    assert [c.alias for c in result.removed] == ["localhost"]
    # Expired is expired, not "close to expiry" (issue 12).
    assert [c.alias for c in result.expiring] == ["soon-root-ca"]
    assert [c.alias for c in result.expired] == ["old-root-ca"]
    assert result.unchanged == len(everything) - 2
    same = ts.diff_truststores(everything, list(reversed(everything)), now=FIXED_NOW)
    assert same.equal and not same.added and not same.removed
    no_window = ts.diff_truststores(everything, everything, now=FIXED_NOW, warn_days=0)
    assert no_window.expiring == ()
    assert no_window.expired == tuple(c for c in everything if c.alias == "old-root-ca")
    with pytest.raises(UsageError):
        ts.diff_truststores(old, new, now=FIXED_NOW, warn_days=-1)


def test_expiry_window_moves_with_now(trust_material: TrustMaterial) -> None:
    everything = [c for c in _bundle_candidates(trust_material) if not c.is_duplicate]
    later = datetime(2034, 6, 1, tzinfo=UTC)  # after beta and the intermediate, before alpha and the server
    plan = ts.select_entries(everything, ts.Filters(drop_expired=True), now=later)
    assert {e.alias for e in plan.entries} == {"alpha-root-ca", "localhost"}


def test_garbage_input_is_a_format_error(trust_material: TrustMaterial) -> None:
    with pytest.raises(FormatError) as caught:
        load_file(trust_material.garbage)
    assert str(trust_material.garbage) in str(caught.value)


def test_format_for_path() -> None:
    assert ts.format_for_path("a/b.PEM") is ts.TrustFormat.PEM
    assert ts.format_for_path("x.jks") is ts.TrustFormat.JKS
    assert ts.format_for_path("x.pfx") is ts.TrustFormat.P12
    assert ts.format_for_path("x.bin") is None


@given(st.lists(st.text(max_size=80), min_size=1, max_size=30))
def test_alias_allocator_always_unique_and_safe(names: list[str]) -> None:
    allocator = ts.AliasAllocator()
    aliases = [allocator.allocate(ts._safe_alias(name) or "cert") for name in names]
    assert len(set(aliases)) == len(aliases)
    for alias in aliases:
        assert SAFE_ALIAS.match(alias), alias
        assert len(alias) <= ts.MAX_ALIAS_LENGTH
