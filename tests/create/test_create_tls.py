"""A real mutual-TLS handshake on 127.0.0.1 with Python's ssl module, certificates made by certbench."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

PASS = {"KP": "tls-key-pass", "CAP": "tls-ca-pass"}


@pytest.fixture(scope="module")
def tls_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One CA, a server and a client certificate from it, and a client from another CA (real clock:
    the ssl module validates at the current time)."""
    from certbench.cli import main

    ws = tmp_path_factory.mktemp("tls") / "ws"
    import os

    saved = {k: os.environ.get(k) for k in PASS}
    os.environ.update(PASS)
    try:
        steps = [
            ("ca", "create", "ca", "--subject", "/O=MyCompany/CN=MyCompany Test CA", "--key", "ec:p256",
             "--key-password-env", "CAP"),
            ("ca", "create", "other-ca", "--subject", "/O=Elsewhere/CN=Other CA", "--key", "ec:p256",
             "--key-password-env", "CAP"),
            ("cert", "create", "server", "--issuer", "ca", "--profile", "server", "--subject", "/CN=localhost",
             "--san", "DNS:localhost", "--san", "IP:127.0.0.1", "--key", "ec:p256", "--days", "30",
             "--issuer-key-password-env", "CAP", "--key-password-env", "KP"),
            ("cert", "create", "client", "--issuer", "ca", "--profile", "client", "--subject",
             "/O=MyCompany/CN=MyCompany-Client", "--key", "rsa:2048", "--days", "30",
             "--issuer-key-password-env", "CAP", "--key-password-env", "KP"),
            ("cert", "create", "stranger", "--issuer", "other-ca", "--profile", "client", "--subject",
             "/CN=Stranger", "--key", "ec:p256", "--days", "30", "--issuer-key-password-env", "CAP",
             "--key-password-env", "KP"),
        ]  # fmt: skip
        for step in steps:
            assert main(["--workspace", str(ws), *step]) == 0, step
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return ws


def _serve_once(context: ssl.SSLContext, listener: socket.socket, outcome: dict[str, object]) -> None:
    try:
        conn, _ = listener.accept()
        conn.settimeout(10)
        with context.wrap_socket(conn, server_side=True) as tls:
            peer = tls.getpeercert()
            outcome["peer"] = peer
            data = tls.recv(64)
            tls.sendall(b"hello " + data)
    except (ssl.SSLError, OSError) as exc:
        outcome["error"] = exc


def _handshake(ws: Path, client_name: str) -> tuple[dict[str, object], bytes | Exception]:
    items = ws / "items"
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(items / "server" / "cert.pem", items / "server" / "key.pem", password=PASS["KP"])
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    server_ctx.load_verify_locations(items / "ca" / "cert.pem")

    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(items / "ca" / "cert.pem")
    client_ctx.load_cert_chain(items / client_name / "cert.pem", items / client_name / "key.pem", password=PASS["KP"])

    outcome: dict[str, object] = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)
        port = listener.getsockname()[1]
        thread = threading.Thread(target=_serve_once, args=(server_ctx, listener, outcome), daemon=True)
        thread.start()
        reply: bytes | Exception
        try:
            with (
                socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
                client_ctx.wrap_socket(raw, server_hostname="localhost") as tls,
            ):
                tls.sendall(b"mtls")
                reply = tls.recv(64)
                if not reply:
                    raise ConnectionError("server closed the connection")
        except (ssl.SSLError, OSError) as exc:
            reply = exc
        thread.join(10)
    return outcome, reply


@pytest.mark.interop
def test_mutual_tls_handshake_with_certbench_certificates(tls_workspace: Path) -> None:
    outcome, reply = _handshake(tls_workspace, "client")
    assert reply == b"hello mtls", outcome.get("error")
    peer = outcome["peer"]
    assert isinstance(peer, dict)
    subject = dict(pair[0] for pair in peer["subject"])
    assert subject["commonName"] == "MyCompany-Client"  # the server verified the client certificate


@pytest.mark.interop
def test_client_from_another_ca_is_refused(tls_workspace: Path) -> None:
    outcome, reply = _handshake(tls_workspace, "stranger")
    assert isinstance(reply, Exception)
    error = outcome.get("error")
    assert isinstance(error, ssl.SSLError)
    assert "certificate verify failed" in str(error) or "unknown ca" in str(error).lower()
    assert "peer" not in outcome
