"""x509-limbo (C2SP, 208 public path-validation testcases): `certbench verify --profile webpki` gives
cryptography's answer on every testcase (the tls profile's verdict is computed too, and must not fail),
and we count how often that answer is the suite's expected result.

Where we knowingly differ from ``expected_result`` (40 of 207 runnable testcases) it is because
cryptography 50 does (see /work/shared/limbo/README.md): 5 CRL cases (no revocation checking), 9
``webpki::cn::*`` cases, 15 cases of optional/pedantic ``features`` and 11 profile choices of
cryptography's verifier (listed below). One SERVER case has no peer name and cannot run (a usage error
for ``certbench verify``, as for cryptography). The figures are asserted exactly so a change is noticed.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from certbench.core.errors import UsageError
from certbench.core.verify import verify_chain

LIMBO = Path("/work/shared/limbo/limbo.json")
pytestmark = [
    pytest.mark.skipif(not LIMBO.is_file(), reason="x509-limbo testcases not present"),
    pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning"),
]

#: When a testcase has no validation_time, both sides validate at this same moment.
NOW = datetime.now(UTC)


def _certs(pems: list[str]) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(p.encode()) for p in pems]


def _peer_name(case: dict[str, Any]) -> str | None:
    peer = case.get("expected_peer_name")
    return str(peer["value"]) if peer else None


def _at(case: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(case["validation_time"]) if case["validation_time"] else NOW


def cryptography_answer(case: dict[str, Any]) -> bool | None:
    """What cryptography itself says (its own limbo harness, minus the skips); None = cannot run."""
    leaf = x509.load_pem_x509_certificate(case["peer_certificate"].encode())
    try:
        builder = PolicyBuilder().store(Store(_certs(case["trusted_certs"]))).time(_at(case))
        if case["max_chain_depth"] is not None:
            builder = builder.max_chain_depth(case["max_chain_depth"])
        if case["validation_kind"] == "SERVER":
            name = _peer_name(case)
            if name is None:
                return None
            subject: x509.DNSName | x509.IPAddress
            try:
                subject = x509.IPAddress(ipaddress.ip_address(name))
            except ValueError:
                subject = x509.DNSName(name)
            builder.build_server_verifier(subject).verify(leaf, _certs(case["untrusted_intermediates"]))
        else:
            builder.build_client_verifier().verify(leaf, _certs(case["untrusted_intermediates"]))
    except (VerificationError, ValueError):
        return False
    return True


def certbench_answer(case: dict[str, Any]) -> bool | None:
    leaf = x509.load_pem_x509_certificate(case["peer_certificate"].encode())
    purpose = "server" if case["validation_kind"] == "SERVER" else "client"
    name = _peer_name(case) if purpose == "server" else None
    try:
        result = verify_chain(
            leaf,
            _certs(case["untrusted_intermediates"]),
            _certs(case["trusted_certs"]),
            at=_at(case),
            purpose=purpose,
            name=name,
            max_depth=case["max_chain_depth"],
            profile="webpki",
        )
    except UsageError as exc:
        if purpose == "server" and name is None:
            return None  # `certbench verify --purpose server` without --name is a usage error
        if "no trust anchors" in str(exc):
            return False
        raise
    assert result.reason and result.verdicts["tls"].reason
    return result.valid


@pytest.fixture(scope="module")
def limbo_results() -> list[tuple[dict[str, Any], bool | None, bool | None]]:
    cases = json.loads(LIMBO.read_text())["testcases"]
    return [(case, certbench_answer(case), cryptography_answer(case)) for case in cases]


def test_same_answer_as_cryptography_on_every_testcase(
    limbo_results: list[tuple[dict[str, Any], bool | None, bool | None]],
) -> None:
    assert len(limbo_results) == 208
    differ = [case["id"] for case, ours, theirs in limbo_results if ours != theirs]
    assert differ == []


def test_agreement_with_expected_results(limbo_results: list[tuple[dict[str, Any], bool | None, bool | None]]) -> None:
    tally: Counter[str] = Counter()
    disagreements: list[str] = []
    for case, ours, _ in limbo_results:
        if ours is None:
            tally["cannot run"] += 1
            continue
        agree = ours == (case["expected_result"] == "SUCCESS")
        tally[f"{case['validation_kind']} {'agree' if agree else 'differ'}"] += 1
        if not agree:
            disagreements.append(case["id"])
    # The figures the limbo README gives for cryptography 50.0.2: 157/198 SERVER, 10/10 CLIENT, 1 cannot run.
    assert tally == Counter({"SERVER agree": 157, "SERVER differ": 40, "CLIENT agree": 10, "cannot run": 1})
    assert len(disagreements) == 40  # each one's cause: test_knowingly_different_cases_have_documented_causes


#: Why certbench (= cryptography 50) differs from ``expected_result``: 40 of the 207 runnable testcases.
OPTIONAL_FEATURES = {
    "has-policy-constraints", "pedantic-public-suffix-wildcard", "name-constraint-dn",
    "pedantic-webpki-subscriber-key", "pedantic-webpki-eku", "pedantic-serial-number", "max-chain-depth",
    "pedantic-rfc5280", "rfc5280-incompatible-with-webpki", "denial-of-service",
}  # fmt: skip
#: cryptography's verifier accepts or rejects these against the suite (its profile choices on pathlen of
#: self-issued certificates, missing AKI/SKI, AKI fields on roots, a CA certificate as leaf, RSA moduli).
CRYPTOGRAPHY_PROFILE_CASES = {
    "pathlen::validation-ignores-pathlen-in-leaf",
    "pathlen::self-issued-certs-pathlen",
    "rfc5280::aki::intermediate-missing-aki",
    "rfc5280::ski::root-missing-ski",
    "rfc5280::ski::intermediate-missing-ski",
    "rfc5280::ca-as-leaf",
    "webpki::aki::root-with-aki-authoritycertissuer",
    "webpki::aki::root-with-aki-authoritycertserialnumber",
    "webpki::aki::root-with-aki-all-fields",
    "webpki::aki::root-with-aki-ski-mismatch",
    "webpki::forbidden-rsa-not-divisible-by-8-in-root",
}


def _cause(case: dict[str, Any]) -> str:
    if "has-crl" in case["features"]:
        return "revocation not checked (crl)"
    if case["id"].startswith("webpki::cn::"):
        return "CN-must-match-SAN rules"
    if OPTIONAL_FEATURES & set(case["features"]):
        return "optional/pedantic feature"
    if case["id"] in CRYPTOGRAPHY_PROFILE_CASES:
        return "cryptography profile choice"
    return "UNEXPLAINED"


def test_knowingly_different_cases_have_documented_causes(
    limbo_results: list[tuple[dict[str, Any], bool | None, bool | None]],
) -> None:
    causes = Counter(
        _cause(case)
        for case, ours, _ in limbo_results
        if ours is not None and ours != (case["expected_result"] == "SUCCESS")
    )
    assert causes == Counter(
        {
            "revocation not checked (crl)": 5,
            "CN-must-match-SAN rules": 9,
            "optional/pedantic feature": 15,
            "cryptography profile choice": 11,
        }
    )


def test_doctor_and_descriptions_survive_every_limbo_certificate() -> None:
    """The limbo certificates are deliberately odd (duplicate extensions, negative serials, weird names):
    the chain doctor, the JSON and the human report handle all of them without an exception."""
    from certbench.commands.inspect import render_report
    from certbench.core.chain import analyze_chain
    from certbench.core.describe import describe_certificate
    from certbench.core.formats.load import load_material

    checked = 0
    for case in json.loads(LIMBO.read_text())["testcases"]:
        pem = case["peer_certificate"] + "".join(case["untrusted_intermediates"]) + "".join(case["trusted_certs"])
        material = load_material(pem.encode(), path=f"{case['id']}.pem")
        report = analyze_chain([material], now=_at(case))
        json.dumps(report.to_json())
        assert render_report(report, [material])
        for entry in report.certificates:
            describe_certificate(entry.certificate, now=_at(case)).to_json()
            checked += 1
    assert checked >= 500
