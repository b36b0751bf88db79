"""``certbench verify`` profiles on the command line: the default tls answer, the other profile's verdict in
one line, the JSON shape with both verdicts, and the same trust verdict in ``inspect`` and ``check``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_verify_matrix import matrix
from verify_matrix import Case

from certbench.core.rules import list_profiles

__all__ = ["matrix"]
pytestmark = pytest.mark.xdist_group("verify-matrix")


@pytest.fixture
def own_client(run_cli, tmp_path: Path) -> tuple[Path, Path, Path]:
    """certbench's own client certificate without a SAN (the README calls --san optional): (ws, cert, root)."""
    ws = tmp_path / "ws"
    assert (
        run_cli("--workspace", str(ws), "ca", "create", "r", "--subject", "/CN=Test Root", "--no-key-password")[0] == 0
    )
    code, _, err = run_cli(
        "--workspace", str(ws), "cert", "create", "c", "--issuer", "r", "--subject", "/CN=connectpay-client",
        "--no-key-password",
    )  # fmt: skip
    assert code == 0, err
    return ws, ws / "items" / "c" / "cert.pem", ws / "items" / "r" / "cert.pem"


def test_own_client_certificate_without_san_is_valid_for_tls_peers(run_cli, own_client) -> None:
    _, cert, root = own_client
    openssl = ["openssl", "verify", "-auth_level", "2", "-purpose", "sslclient", "-CAfile", str(root), str(cert)]
    assert subprocess.run(openssl, capture_output=True, check=False).returncode == 0  # what a peer does

    code, out, _ = run_cli("verify", str(cert), "--trust", str(root))
    assert code == 0
    assert out.startswith("valid: valid for client authentication")
    assert "valid for TLS peers; a browser would refuse it (--profile webpki): the leaf has no subjectAltName" in out

    code, out, _ = run_cli("verify", str(cert), "--trust", str(root), "--profile", "webpki")
    assert code == 1
    assert out.splitlines()[0].startswith("not valid: the leaf has no subjectAltName")
    assert "not valid for a browser; TLS peers would accept it (--profile tls)" in out


def test_json_carries_both_profiles(run_cli, own_client) -> None:
    _, cert, root = own_client
    code, out, _ = run_cli("verify", str(cert), "--trust", str(root), "--json")
    document = json.loads(out)
    assert code == 0
    assert set(document) == {
        "valid", "reason", "profile", "chain", "purpose", "name", "at", "not_checked", "profiles",
    }  # fmt: skip
    assert document["profile"] == "tls" and document["purpose"] == "client" and document["name"] is None
    assert document["chain"] == ["CN=connectpay-client", "CN=Test Root"]
    assert document["profiles"]["tls"] == {"valid": True, "reason": "valid for client authentication"}
    assert document["profiles"]["webpki"]["valid"] is False
    assert "subjectAltName" in document["profiles"]["webpki"]["reason"]
    webpki = json.loads(run_cli("verify", str(cert), "--trust", str(root), "--json", "--profile", "webpki")[1])
    assert webpki["profile"] == "webpki" and webpki["valid"] is False and webpki["profiles"] == document["profiles"]


def test_the_same_answer_without_a_different_verdict_has_no_extra_line(run_cli, matrix: dict[str, Case]) -> None:
    case = matrix["ok"]
    code, out, _ = run_cli("verify", str(case.leaf), str(case.untrusted), "--trust", str(case.trust))
    assert code == 0
    assert "would" not in out  # both profiles accept it: nothing to add


def test_inspect_purpose_client_trusts_a_client_certificate_without_san(run_cli, own_client) -> None:
    _, cert, root = own_client
    _, out, _ = run_cli("inspect", str(cert), "--trust", str(root), "--purpose", "client", "--json")
    chain = json.loads(out)["chains"][0]
    assert chain["trusted"] is True, chain["trust_reason"]


@pytest.mark.parametrize(("shape", "trusted"), [("v1-root-direct", True), ("int-ku-without-keycertsign", False)])
def test_check_trust_verdict_is_the_tls_path_verdict(
    run_cli, matrix: dict[str, Case], shape: str, trusted: bool
) -> None:
    """`check` runs the chain doctor with the root found in its input as anchor: a v1 root is one (openssl
    accepts it), an intermediate whose keyUsage lacks keyCertSign is not a CA (openssl refuses it)."""
    case = matrix[shape]
    files = [str(case.leaf), *([str(case.untrusted)] if case.untrusted else []), str(case.trust)]
    _, out, _ = run_cli("check", "--profile", list_profiles()[0].name, *files, "--json")
    failed = [c for c in json.loads(out)["checks"] if not c["passed"]]
    assert any(c["code"] == "trust.failed" for c in failed) is not trusted, failed
