"""The chain doctor on openssl-made material: every finding code, order invariance, fixed chain."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inspect_material import P12_PASSWORD, InspectMaterial, inspect_material, openssl_fingerprint, run

from certbench.core.chain import ChainReport, analyze_chain
from certbench.core.errors import FormatError, PasswordError
from certbench.core.formats.load import load_file, load_material
from certbench.core.formats.material import Material
from conftest import FIXED_NOW

__all__ = ["inspect_material"]


def analyze(*paths: Path, **kwargs: object) -> ChainReport:
    password = kwargs.pop("password", None)
    materials = [load_file(p, password) for p in paths]  # type: ignore[arg-type]
    kwargs.setdefault("now", FIXED_NOW)
    return analyze_chain(materials, **kwargs)  # type: ignore[arg-type]


def codes(report: ChainReport) -> set[str]:
    return {f.code for f in report.findings}


def cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_good_chain_has_no_findings_and_is_trusted(inspect_material: InspectMaterial) -> None:
    report = analyze(inspect_material.chain)
    assert report.findings == ()
    assert report.ok
    assert report.chain == (cert(inspect_material.leaf), cert(inspect_material.inter), cert(inspect_material.root))
    info = report.chains[0]
    assert (info.as_given, info.complete, info.root_present, info.signatures_ok, info.trusted) == (
        "leaf-first",
        True,
        True,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("attribute", "as_given"),
    [("reversed", "root-first"), ("shuffled", "mixed"), ("p7b_pem", "root-first")],
)
def test_wrong_order_is_an_error_with_the_fix(inspect_material: InspectMaterial, attribute: str, as_given: str) -> None:
    report = analyze(getattr(inspect_material, attribute))
    assert codes(report) == {"chain.order"}
    assert not report.ok
    assert report.chains[0].as_given == as_given
    order = next(f for f in report.findings if f.code == "chain.order")
    assert order.severity == "error" and "--fix-out" in order.fix
    assert report.fixed_chain() == (
        cert(inspect_material.leaf),
        cert(inspect_material.inter),
        cert(inspect_material.root),
    )


def test_pkcs12_bags_have_no_order(inspect_material: InspectMaterial) -> None:
    for path in (inspect_material.p12_modern, inspect_material.p12_legacy):
        report = analyze(path, password=P12_PASSWORD.encode())
        assert report.findings == (), report.findings
        assert report.keys[0].matches == (report.chains[0].leaf,)


def test_missing_intermediate(inspect_material: InspectMaterial) -> None:
    report = analyze(inspect_material.missing_inter)
    assert codes(report) == {"chain.incomplete"}
    finding = report.findings[0]
    assert "Test Issuing CA" in finding.message and finding.severity == "error"
    assert not report.chains[0].complete


def test_missing_root_is_a_warning_and_trust_fills_it(inspect_material: InspectMaterial) -> None:
    report = analyze(inspect_material.no_root)
    assert codes(report) == {"chain.root-missing"}
    assert report.ok
    assert len(report.fixed_chain()) == 2
    trusted = analyze(inspect_material.no_root, trust=[cert(inspect_material.root)])
    assert codes(trusted) == {"chain.root-missing"}
    assert trusted.chains[0].trusted is True
    assert trusted.fixed_chain()[-1] == cert(inspect_material.root)


def test_duplicate_and_unrelated(inspect_material: InspectMaterial) -> None:
    duplicate = analyze(inspect_material.duplicate)
    assert codes(duplicate) == {"chain.duplicate"}
    assert "Test Issuing CA" in duplicate.findings[0].message
    assert len(duplicate.fixed_chain()) == 3
    unrelated = analyze(inspect_material.unrelated)
    assert codes(unrelated) == {"chain.unrelated"}
    assert "Unrelated Root CA" in unrelated.findings[0].message
    assert cert(inspect_material.other_root) not in unrelated.fixed_chain()


def test_validity_findings(inspect_material: InspectMaterial) -> None:
    assert codes(analyze(inspect_material.expired_chain)) == {"cert.expired"}
    assert codes(analyze(inspect_material.future_chain)) == {"cert.not-yet-valid"}
    soon = analyze(inspect_material.soon_chain)
    assert codes(soon) == {"cert.expires-soon"} and soon.ok
    # 31 days before the end it is not "soon" any more.
    later = analyze(
        inspect_material.soon_chain, now=cert(inspect_material.soon_chain).not_valid_after_utc - timedelta(days=31)
    )
    assert codes(later) == set()


def test_wrong_signature(inspect_material: InspectMaterial) -> None:
    report = analyze(inspect_material.wrong_signature)
    assert "chain.signature" in codes(report)
    assert "chain.incomplete" not in codes(report)
    assert report.chains[0].signatures_ok is False


def test_weak_key_weak_signature_ca_as_leaf(inspect_material: InspectMaterial) -> None:
    # OpenSSL-based peers refuse an RSA-1024 leaf (security level 2), so the chain is not trusted either.
    weak_key = analyze(inspect_material.weak_key)
    assert codes(weak_key) == {"cert.weak-key", "trust.failed"}
    assert weak_key.chains[0].trusted is False and "1024-bit" in (weak_key.chains[0].trust_reason or "")
    weak_signature = analyze(inspect_material.weak_signature)
    assert "cert.weak-signature" in codes(weak_signature)
    assert "chain.signature" not in codes(weak_signature)  # a SHA-1 signature is weak, not broken
    assert codes(analyze(inspect_material.ca_as_leaf)) == {"cert.ca-as-leaf"}


def test_lone_root_and_lone_intermediate_are_not_flagged(inspect_material: InspectMaterial) -> None:
    assert analyze(inspect_material.root_der).findings == ()
    report = analyze(inspect_material.inter, inspect_material.root)
    assert report.ok
    assert codes(report) == {"chain.no-end-entity"}
    # A CA with serverAuth/clientAuth and keyCertSign at the bottom is more often "the client certificate" than
    # an EKU-constrained intermediate: a warning (issue 11; test_inspect_findings has the details)...
    eku_ca = analyze(inspect_material.eku_ca_bundle)
    assert codes(eku_ca) == {"cert.ca-as-leaf"} and eku_ca.ok
    # ...an error when it is used as one: its private key given with it.
    assert "cert.ca-as-leaf" in codes(analyze(inspect_material.eku_ca_bundle, inspect_material.other_key))


def test_key_matching_across_files(inspect_material: InspectMaterial) -> None:
    report = analyze(
        inspect_material.leaf, inspect_material.inter_der, inspect_material.root_der, inspect_material.leaf_key
    )
    assert report.findings == ()
    assert report.keys[0].matches == ("c1",)
    mismatch = analyze(inspect_material.chain, inspect_material.other_key)
    assert codes(mismatch) == {"key.mismatch"}
    assert str(inspect_material.other_key) == mismatch.findings[0].path
    alone = analyze(inspect_material.other_key)
    assert alone.findings == () and alone.keys[0].matches == ()


def test_trust_failed_against_unrelated_anchor(inspect_material: InspectMaterial) -> None:
    report = analyze(inspect_material.chain, trust=[cert(inspect_material.other_root)])
    assert "trust.failed" in codes(report)
    finding = next(f for f in report.findings if f.code == "trust.failed")
    assert "api.example.com" in finding.message and finding.severity == "error"
    good = analyze(inspect_material.chain, trust=[cert(inspect_material.root)], purpose="server")
    assert good.ok and good.chains[0].trusted is True


def test_truncated_pem_reports_readable_certificates(inspect_material: InspectMaterial) -> None:
    report = analyze(inspect_material.truncated)
    assert "input.unreadable" in codes(report)
    assert len(report.certificates) == 2


def test_unreadable_inputs_become_findings(inspect_material: InspectMaterial) -> None:
    errors = []
    for path, password in ((inspect_material.garbage, None), (inspect_material.p12_modern, None)):
        try:
            load_file(path, password)
        except (FormatError, PasswordError) as exc:
            errors.append(exc)
    assert len(errors) == 2
    report = analyze_chain([load_file(inspect_material.chain)], now=FIXED_NOW, errors=errors)
    assert {"input.unreadable", "input.password"} <= codes(report)
    assert [i.error is not None for i in report.inputs] == [True, True, False]


def test_fingerprints_match_openssl(inspect_material: InspectMaterial) -> None:
    document = analyze(inspect_material.chain).to_json()
    by_subject = {c["subject"]: c for c in document["certificates"]}
    for path in (inspect_material.leaf, inspect_material.inter, inspect_material.root):
        entry = next(c for c in document["certificates"] if c["sha256"] == openssl_fingerprint(path))
        assert entry["sha1"] == openssl_fingerprint(path, "sha1")
    leaf = next(c for c in by_subject.values() if "api.example.com" in c["subject"])
    assert leaf["san"] == ["DNS:api.example.com", "IP:127.0.0.1"]
    assert leaf["extended_key_usage"] == ["clientAuth", "serverAuth"]
    assert leaf["is_ca"] is False and leaf["self_signed"] is False
    assert leaf["not_after"] == "2027-06-01T00:00:00Z"


def test_every_format_gives_the_same_chain(inspect_material: InspectMaterial) -> None:
    expected = analyze(inspect_material.chain).chain
    for path in (inspect_material.p7b_der, inspect_material.crlf_bom):
        assert analyze(path).chain == expected
    spread = analyze(inspect_material.leaf_der, inspect_material.inter_der, inspect_material.root_der)
    assert spread.chain == expected and spread.findings == ()
    dump = analyze(inspect_material.text_dump, inspect_material.inter, inspect_material.root)
    assert dump.chain == expected


def _shuffled_material(inspect_material: InspectMaterial, order: list[int]) -> Material:
    certificates = [cert(inspect_material.leaf), cert(inspect_material.inter), cert(inspect_material.root)]
    return Material(
        path="shuffled.pem",
        format=load_file(inspect_material.chain).format,
        certificates=tuple(certificates[i] for i in order),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations([0, 1, 2]), extra=st.booleans())
def test_chain_is_order_invariant(inspect_material: InspectMaterial, order: list[int], extra: bool) -> None:
    """Whatever the order, the same chain is built; only the order finding depends on it."""
    material = _shuffled_material(inspect_material, order)
    materials = [material]
    if extra:
        materials.append(load_file(inspect_material.leaf_key))
    report = analyze_chain(materials, now=FIXED_NOW)
    assert report.chain == (cert(inspect_material.leaf), cert(inspect_material.inter), cert(inspect_material.root))
    assert report.fixed_chain() == report.chain
    assert (codes(report) == set()) == (order == [0, 1, 2])
    assert codes(report) <= {"chain.order"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_chain_with_noise_is_order_invariant(inspect_material: InspectMaterial, data: st.DataObject) -> None:
    """Shuffles of the chain plus an unrelated root and a duplicate intermediate, split over 1-3 files: the
    same chain, the same fixed chain; unrelated/duplicate findings exactly when the noise is there."""
    pool = [cert(inspect_material.leaf), cert(inspect_material.inter), cert(inspect_material.root)]
    unrelated = data.draw(st.booleans(), label="unrelated")
    duplicate = data.draw(st.booleans(), label="duplicate")
    pool += [cert(inspect_material.other_root)] if unrelated else []
    pool += [cert(inspect_material.inter)] if duplicate else []
    shuffled = data.draw(st.permutations(pool), label="order")
    files = data.draw(st.integers(min_value=1, max_value=3), label="files")
    cut = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), min_size=files - 1, max_size=files - 1)))
    bounds = [0, *cut, len(shuffled)]
    materials = [
        Material(
            path=f"part{n}.pem", format=load_file(inspect_material.chain).format, certificates=tuple(shuffled[a:b])
        )
        for n, (a, b) in enumerate(itertools.pairwise(bounds))
    ]
    report = analyze_chain(materials, now=FIXED_NOW)
    assert report.chain == tuple(pool[:3])
    assert report.fixed_chain() == tuple(pool[:3])
    assert ("chain.unrelated" in codes(report)) == unrelated
    same_file = any(sum(1 for c in m.certificates if c == pool[1]) > 1 for m in materials)
    assert ("chain.duplicate" in codes(report)) == same_file
    assert codes(report) <= {"chain.order", "chain.unrelated", "chain.duplicate"}


def test_many_leaves_one_ca_is_fast_and_quiet(inspect_material: InspectMaterial, tmp_path: Path) -> None:
    """Leaves sharing a CA are chains of their own, not unrelated certificates."""
    data = (
        inspect_material.chain.read_bytes()
        + inspect_material.soon_chain.read_bytes().split(b"-----END CERTIFICATE-----")[0]
    )
    data += b"-----END CERTIFICATE-----\n"
    report = analyze_chain([load_material(data, path="two.pem")], now=FIXED_NOW)
    assert "chain.unrelated" not in codes(report)
    assert len(report.chains) == 2


def test_rules_doctor_uses_analyze_chain(inspect_material: InspectMaterial) -> None:
    from certbench.core.rules import list_profiles, run_profile

    profile = next(p for p in list_profiles() if p.chain_doctor)
    checks = run_profile(profile.name, [load_file(inspect_material.reversed)], now=FIXED_NOW)
    assert any(c.code.endswith("chain.order") and c.title == "chain doctor" and not c.passed for c in checks)


def test_random_input_order_across_files(inspect_material: InspectMaterial) -> None:
    paths = [inspect_material.leaf_der, inspect_material.inter_der, inspect_material.root_der]
    random.Random(7).shuffle(paths)
    report = analyze(*paths)
    assert report.findings == ()


def test_lone_leaf_notes_its_missing_issuer(inspect_material: InspectMaterial) -> None:
    """A leaf inspected alone is described; its missing issuer is a warning, an error once anchors are given."""
    report = analyze(inspect_material.leaf_der)
    assert codes(report) == {"chain.incomplete"} and report.ok
    anchored = analyze(inspect_material.leaf_der, trust=[cert(inspect_material.root)])
    assert "chain.incomplete" in codes(anchored) and not anchored.ok


def test_keystore_with_trusted_copies_of_its_cas_is_normal(inspect_material: InspectMaterial, tmp_path: Path) -> None:
    """keytool JKS: the key entry's chain plus trustedCertEntry copies of the same CAs: no findings."""
    store = tmp_path / "partner.jks"
    keytool = ["keytool", "-noprompt", "-storepass", "changeit"]
    run(
        *keytool[:2], "-importkeystore", "-srckeystore", inspect_material.p12_modern, "-srcstoretype", "PKCS12",
        "-srcstorepass", P12_PASSWORD, "-destkeystore", store, "-deststoretype", "JKS", "-deststorepass", "changeit",
        "-destkeypass", "changeit", cwd=tmp_path,
    )  # fmt: skip
    for alias, path in (("root", inspect_material.root), ("inter", inspect_material.inter)):
        run(*keytool, "-importcert", "-keystore", store, "-alias", alias, "-file", path, cwd=tmp_path)
    report = analyze(store, password=b"changeit")
    assert report.findings == ()
    assert len(report.certificates) == 3 and report.keys[0].matches == (report.chains[0].leaf,)
    assert report.chains[0].complete and report.chains[0].trusted is True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_certificates_never_crash_the_doctor(inspect_material: InspectMaterial, data: st.DataObject) -> None:
    """Flip bytes of a real DER certificate: whatever still parses is described and analysed without an
    exception escaping (the describe/chain code handles what cryptography accepts lazily)."""
    from certbench.core.describe import describe_certificate

    der = bytearray(inspect_material.leaf_der.read_bytes())
    for _ in range(data.draw(st.integers(1, 4), label="flips")):
        position = data.draw(st.integers(0, len(der) - 1), label="position")
        der[position] = data.draw(st.integers(0, 255), label="byte")
    try:
        mutated = x509.load_der_x509_certificate(bytes(der))
    except (ValueError, x509.InvalidVersion):
        return
    materials = [
        Material(path="mutated.der", format=load_file(inspect_material.leaf_der).format, certificates=(mutated,)),
        load_file(inspect_material.no_root),
    ]
    report = analyze_chain(materials, now=FIXED_NOW)
    report.to_json()
    report.fixed_chain()
    try:
        describe_certificate(mutated, now=FIXED_NOW).to_json()
    except FormatError:
        assert "input.unreadable" in codes(report)
