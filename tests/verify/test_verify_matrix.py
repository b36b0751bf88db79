"""``certbench verify --profile tls`` answers as OpenSSL-based peers do, on every shape of the openssl-made
matrix (tests/verify/verify_matrix.py), for both purposes: each answer is compared with ``openssl verify
-auth_level 2 -purpose sslclient|sslserver -verify_hostname H`` run here, never with a written-down result.
``inspect``'s trust verdict is compared with ``openssl verify -auth_level 2`` (no purpose), and a few shapes
go through a real TLS handshake with Python's ``ssl`` on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections import Counter
from pathlib import Path

import pytest
from verify_matrix import Case, make_matrix

pytestmark = [pytest.mark.interop, pytest.mark.xdist_group("verify-matrix")]

_CACHE: dict[str, dict[str, Case]] = {}


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    """The matrix, made once per test process."""
    base = str(tmp_path_factory.getbasetemp())
    if base not in _CACHE:
        _CACHE[base] = {c.name: c for c in make_matrix(tmp_path_factory.mktemp("verify-matrix"))}
    return _CACHE[base]


def openssl_verify(case: Case, purpose: str | None) -> tuple[bool, str]:
    """openssl's verdict and its error line (``purpose`` None: path checks only)."""
    args = ["openssl", "verify", "-no-CApath", "-no-CAstore", "-auth_level", "2", "-CAfile", str(case.trust)]
    if case.untrusted:
        args += ["-untrusted", str(case.untrusted)]
    if purpose == "client":
        args += ["-purpose", "sslclient"]
    elif purpose == "server":
        args += ["-purpose", "sslserver", "-verify_hostname", case.host]
    result = subprocess.run([*args, str(case.leaf)], capture_output=True, text=True, check=False)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("error")]
    return result.returncode == 0, (errors[0] if errors else "OK")


def certbench_verify(run_cli, case: Case, purpose: str, *extra: str) -> dict:
    args = ["verify", str(case.leaf), *([str(case.untrusted)] if case.untrusted else [])]
    args += ["--trust", str(case.trust), "--purpose", purpose, "--json", *extra]
    if purpose == "server":
        args += ["--name", case.host]
    code, out, err = run_cli(*args)
    document = json.loads(out)
    assert code == (0 if document["valid"] else 1), err
    return document


def test_the_matrix_has_the_shapes_of_the_issue(matrix: dict[str, Case]) -> None:
    assert len(matrix) >= 40
    for shape in (
        "leaf-expired", "leaf-not-yet-valid", "pathlen0-exceeded", "eku-server-only", "nc-outside-permitted",
        "leaf-no-ski-aki", "sha1-leaf", "critical-unknown-extension", "v1-root", "v1-leaf",
        "int-ku-without-keycertsign", "ku-keyencipherment-only", "rsa1024-leaf", "missing-intermediate",
        "root-no-keyusage", "client-no-san", "aki-names-root",
    ):  # fmt: skip
        assert shape in matrix


def test_tls_profile_agrees_with_openssl_verify_on_every_case(run_cli, matrix: dict[str, Case]) -> None:
    disagreements: list[str] = []
    answers: Counter[bool] = Counter()
    for case in matrix.values():
        for purpose in ("client", "server"):
            expected, openssl_says = openssl_verify(case, purpose)
            document = certbench_verify(run_cli, case, purpose)
            answers[expected] += 1
            assert document["profile"] == "tls" and document["profiles"]["tls"]["valid"] == document["valid"]
            if document["valid"] != expected:
                disagreements.append(f"{case.name} ({purpose}): openssl {openssl_says}; certbench {document['reason']}")
    assert disagreements == []
    assert answers[True] >= 30 and answers[False] >= 40  # both verdicts are exercised, for both purposes


def test_inspect_trusted_agrees_with_openssl_path_checks(run_cli, matrix: dict[str, Case]) -> None:
    """Without --purpose, inspect's `trusted` is the tls profile's path verdict: openssl verify without -purpose."""
    disagreements: list[str] = []
    for case in matrix.values():
        expected, openssl_says = openssl_verify(case, None)
        files = [str(case.leaf), *([str(case.untrusted)] if case.untrusted else [])]
        _, out, _ = run_cli("inspect", *files, "--trust", str(case.trust), "--json")
        chain = json.loads(out)["chains"][0]
        if chain["trusted"] is not expected:
            disagreements.append(f"{case.name}: openssl {openssl_says}; inspect {chain['trust_reason']}")
    assert disagreements == []


def _handshake(
    directory: Path,
    server: Case,
    *,
    client_trust: Path,
    client: Case | None = None,
    server_trust: Path | None = None,
) -> tuple[bool, bool]:
    """A TLS handshake on 127.0.0.1: (the server accepted the client, the client accepted the server).
    ``server`` presents its leaf and untrusted intermediates; with ``client`` the server requires a client
    certificate and trusts ``server_trust``; the client checks the server against ``client_trust`` and the
    host name of ``server``."""

    def chain_file(case: Case, role: str) -> Path:
        path = directory / f"{case.name}.{role}-chain.pem"
        path.write_bytes(case.leaf.read_bytes() + (case.untrusted.read_bytes() if case.untrusted else b""))
        return path

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(chain_file(server, "server"), server.key)
    if client is not None:
        assert server_trust is not None
        server_context.verify_mode = ssl.CERT_REQUIRED
        server_context.load_verify_locations(server_trust)
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname
    client_context.load_verify_locations(client_trust)
    if client is not None:
        client_context.load_cert_chain(chain_file(client, "client"), client.key)
    outcome: dict[str, bool] = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            connection, _ = listener.accept()
            connection.settimeout(20)
            try:
                with server_context.wrap_socket(connection, server_side=True) as tls:
                    tls.sendall(b"ok")
                outcome["server"] = True
            except (ssl.SSLError, OSError):
                outcome["server"] = False

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            with (
                socket.create_connection(("127.0.0.1", port), timeout=20) as raw,
                client_context.wrap_socket(raw, server_hostname=server.host) as tls,
            ):
                client_accepted = tls.recv(2) == b"ok"
        except (ssl.SSLError, OSError):
            client_accepted = False
        thread.join(30)
    return outcome.get("server", False), client_accepted


MUTUAL_TLS_CASES = ("client-no-san", "ku-keyencipherment-only", "eku-server-only", "v1-leaf", "root-no-keyusage")
SERVER_CASES = ("server-cn-only", "san-mismatch-cn-match", "aki-names-root", "v1-root", "int-ku-without-keycertsign")


def test_verdicts_match_real_handshakes(run_cli, matrix: dict[str, Case], tmp_path: Path) -> None:
    """A server requiring a client certificate accepts exactly the clients `verify --purpose client` calls
    valid; a client checking the host name accepts exactly the servers `verify --purpose server --name` does."""
    seen: Counter[bool] = Counter()
    good_server = matrix["ok"]
    for name in MUTUAL_TLS_CASES:
        case = matrix[name]
        accepted, _ = _handshake(
            tmp_path, good_server, client_trust=good_server.trust, client=case, server_trust=case.trust
        )
        verdict = certbench_verify(run_cli, case, "client")
        assert verdict["valid"] is accepted, f"{name}: handshake {accepted}, certbench {verdict['reason']}"
        seen[accepted] += 1
    for name in SERVER_CASES:
        case = matrix[name]
        _, accepted = _handshake(tmp_path, case, client_trust=case.trust)
        verdict = certbench_verify(run_cli, case, "server")
        assert verdict["valid"] is accepted, f"{name}: handshake {accepted}, certbench {verdict['reason']}"
        seen[accepted] += 1
    assert seen[True] >= 3 and seen[False] >= 3
