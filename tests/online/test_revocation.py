"""--fetch-missing, --check-revocation and --crl for inspect, verify and probe, against a PKI served on
127.0.0.1 (HTTP for AIA and CRLs, openssl ocsp answering OCSP, openssl s_server stapling)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from online_material import bundle
from revocation_material import RevocationPKI, revocation_pki
from servers import TLSServer, openssl_server, server_context

pytestmark = pytest.mark.xdist_group("online")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RevocationPKI, list[str]]]:
    with revocation_pki(tmp_path_factory.mktemp("pki")) as served:
        yield served


@pytest.fixture
def pki(served: tuple[RevocationPKI, list[str]]) -> RevocationPKI:
    served[1].clear()
    return served[0]


@pytest.fixture
def requests(served: tuple[RevocationPKI, list[str]]) -> list[str]:
    return served[1]


def _codes(document: dict) -> dict[str, dict]:
    return {f["code"]: f for f in document["findings"]}


def test_inspect_fetch_missing_completes_the_chain(pki: RevocationPKI, requests: list[str], run_cli) -> None:
    code, out, _ = run_cli("inspect", str(pki.good), "--trust", str(pki.root), "--json")
    assert code == 1 and "chain.incomplete" in _codes(json.loads(out))
    assert requests == []  # nothing is fetched unless asked
    code, out, _ = run_cli("inspect", str(pki.good), "--trust", str(pki.root), "--fetch-missing", "--json")
    document = json.loads(out)
    assert code == 0, document["findings"]
    assert document["fetched"] == [f"fetched O=Certbench Test,CN=Revocation Test Issuing CA from {pki.base}/inter.der"]
    assert document["chains"][0]["complete"] and document["chains"][0]["trusted"] is True
    fetched = {"path": "fetched (AIA caIssuers)", "format": "der", "error": None, "container": None}
    assert document["inputs"][-1] == fetched
    assert requests == ["GET /inter.der"]  # the root is an anchor: not fetched


def test_fetch_refuses_a_certificate_that_did_not_sign(pki: RevocationPKI, run_cli) -> None:
    code, out, _ = run_cli("inspect", str(pki.stray), "--fetch-missing")
    assert code == 0  # a lone certificate with its issuer missing is described (a warning), not failed
    assert (
        "Fetch: " + f"{pki.base}/unrelated.der did not give a certificate that signed 'stray.localhost' (ignored)"
        in out
    )
    assert "chain.incomplete" in out


def test_verify_fetch_missing(pki: RevocationPKI, run_cli) -> None:
    assert run_cli("verify", str(pki.good), "--trust", str(pki.root), "--name", "localhost")[0] == 1
    code, out, _ = run_cli("verify", str(pki.good), "--trust", str(pki.root), "--name", "localhost", "--fetch-missing")
    assert code == 0 and out.startswith("valid: ")
    assert f"fetch: fetched O=Certbench Test,CN=Revocation Test Issuing CA from {pki.base}/inter.der" in out


def test_check_revocation_good_over_ocsp_and_crl(pki: RevocationPKI, requests: list[str], run_cli, tmp_path) -> None:
    chain = bundle(tmp_path / "good-chain.pem", pki.good, pki.inter)
    code, out, _ = run_cli("inspect", str(chain), "--trust", str(pki.root), "--check-revocation", "--json")
    document = json.loads(out)
    assert code == 0, document["findings"]
    statuses = {r["subject"]: r for r in document["revocation"]}
    assert statuses["CN=good.localhost"]["status"] == "good"
    assert statuses["CN=good.localhost"]["source"] == f"OCSP {pki.base}/ocsp"
    issuing = statuses["O=Certbench Test,CN=Revocation Test Issuing CA"]
    assert issuing["status"] == "good" and issuing["source"] == f"CRL {pki.base}/root.crl"
    assert requests == ["POST /ocsp", "GET /root.crl"]


def test_check_revocation_revoked_leaf(pki: RevocationPKI, run_cli, tmp_path) -> None:
    chain = bundle(tmp_path / "revoked-chain.pem", pki.revoked, pki.inter)
    code, out, _ = run_cli("inspect", str(chain), "--trust", str(pki.root), "--check-revocation", "--json")
    assert code == 1
    revoked = _codes(json.loads(out))["cert.revoked"]
    assert revoked["severity"] == "error"
    assert revoked["message"].startswith("'revoked.localhost' was revoked on 20")
    assert f"(reason: keyCompromise; OCSP {pki.base}/ocsp)" in revoked["message"]
    code, out, _ = run_cli("verify", str(chain), "--trust", str(pki.root), "--name", "localhost", "--check-revocation")
    assert code == 1 and out.startswith("not valid: 'revoked.localhost' was revoked on ")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def blocked(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args))
        raise OSError("network access blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", blocked)
    monkeypatch.setattr(socket, "create_connection", blocked)
    return attempts


def test_local_crl_needs_no_network(pki: RevocationPKI, no_network: list[str], run_cli, tmp_path) -> None:
    revoked_chain = bundle(tmp_path / "r.pem", pki.revoked, pki.inter)
    good_chain = bundle(tmp_path / "g.pem", pki.good, pki.inter)
    code, out, _ = run_cli(
        "inspect", str(revoked_chain), "--trust", str(pki.root), "--crl", str(pki.inter_crl), "--json"
    )
    findings = _codes(json.loads(out))
    assert code == 1 and "(reason: keyCompromise; CRL " in findings["cert.revoked"]["message"]
    code, out, _ = run_cli("inspect", str(good_chain), "--trust", str(pki.root), "--crl", str(pki.inter_crl), "--json")
    document = json.loads(out)
    assert code == 0
    assert [r["status"] for r in document["revocation"]] == ["good", "unknown"]  # no CRL of the root was given
    unknown = _codes(document)["revocation.unknown"]
    assert unknown["severity"] == "warning" and "Revocation Test Issuing CA" in unknown["message"]
    assert no_network == []


def test_a_crl_signed_by_another_key_is_ignored(pki: RevocationPKI, no_network: list[str], run_cli, tmp_path) -> None:
    """The impostor CRL has the issuing CA's name and lists `good`: its signature does not verify, so it
    decides nothing."""
    chain = bundle(tmp_path / "g.pem", pki.good, pki.inter)
    code, out, _ = run_cli("inspect", str(chain), "--crl", str(pki.impostor_crl), "--json")
    document = json.loads(out)
    assert code == 0 and "cert.revoked" not in _codes(document)
    assert document["revocation"][0]["status"] == "unknown"
    assert "is not signed by 'Revocation Test Issuing CA' (ignored)" in document["revocation"][0]["reason"]


def test_bad_crl_file_is_one_line(run_cli, tmp_path: Path, pki: RevocationPKI) -> None:
    code, _, err = run_cli("inspect", str(pki.good), "--crl", str(pki.good))
    assert code == 2 and err == f"certbench: error: {pki.good}: not a CRL (DER or PEM)\n"


def test_probe_stapled_ocsp_says_revoked(pki: RevocationPKI, requests: list[str], run_cli, tmp_path) -> None:
    with openssl_server(
        "-cert", pki.revoked, "-key", pki.revoked_key, "-cert_chain", pki.inter,
        "-status_file", pki.revoked_ocsp_response, cwd=tmp_path,
    ) as port:  # fmt: skip
        code, out, _ = run_cli("probe", f"127.0.0.1:{port}", "--trust", str(pki.root), "--json")
    target = json.loads(out)["targets"][0]
    assert code == 1
    assert "(reason: keyCompromise; stapled OCSP response)" in _codes(target)["cert.revoked"]["message"]
    assert [r["status"] for r in target["revocation"]] == ["revoked"]
    assert requests == []  # the staple came with the handshake


def test_probe_check_revocation_and_fetch_missing(pki: RevocationPKI, requests: list[str], run_cli) -> None:
    with TLSServer(server_context(pki.good, pki.good_key)) as server:  # the intermediate is not sent
        code, out, _ = run_cli(
            "probe", f"127.0.0.1:{server.port}", "--servername", "localhost", "--trust", str(pki.root),
            "--fetch-missing", "--check-revocation", "--json",
        )  # fmt: skip
        text_code, text, _ = run_cli("probe", f"127.0.0.1:{server.port}", "--fetch-missing", "--check-revocation")
    target = json.loads(out)["targets"][0]
    assert code == 0, target["findings"]
    assert target["fetched"] == [
        {"subject": "O=Certbench Test,CN=Revocation Test Issuing CA", "url": f"{pki.base}/inter.der"}
    ]
    assert target["trusted"] is True and target["chains"][0]["complete"]
    assert [c["subject"] for c in target["presented"]] == ["CN=good.localhost"]  # fetched is not presented
    assert [(r["subject"], r["status"]) for r in target["revocation"]] == [
        ("CN=good.localhost", "good"),
        ("O=Certbench Test,CN=Revocation Test Issuing CA", "good"),
    ]
    assert {"GET /inter.der", "POST /ocsp", "GET /root.crl"} <= set(requests)
    assert f"Fetched     O=Certbench Test,CN=Revocation Test Issuing CA from {pki.base}/inter.der" in text
    assert "Revocation  CN=good.localhost: good (OCSP " in text
    assert text_code in (0, 1)
