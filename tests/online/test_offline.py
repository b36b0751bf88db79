"""certbench is offline by default: every command but `probe` runs with sockets blocked and opens none."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from certbench import cli
from certbench.core.demo import DEMO_KEY_PASSWORD
from certbench.core.workspace import Workspace

#: The commands that may open connections (README "Online checks").
ONLINE_WORDS = {"probe"}


@pytest.fixture
def blocked_sockets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way to open a connection or resolve a name records the attempt and fails."""
    attempts: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        def blocked(*args: object, **kwargs: object) -> None:
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise OSError(f"network access blocked by the test ({what})")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("socket.sendto"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    return attempts


def test_every_other_command_opens_no_connection(
    blocked_sockets: list[str], demo_workspace: Workspace, run_cli, tmp_path: Path
) -> None:
    ws = str(demo_workspace.root)
    items = demo_workspace.root / "items"
    env = {"DP": DEMO_KEY_PASSWORD.decode(), "OUTP": "offline-out-1", "CERTBENCH_NOW": "2026-01-15T12:00:00Z"}
    server = str(items / "demo-server" / "cert.pem")
    axway_root = str(items / "axway-root-ca" / "cert.pem")
    tpp1 = str(items / "tpp1" / "cert.pem")
    runs: dict[str, list[str]] = {
        "list": ["list", "--json"],
        "inspect": ["inspect", server, axway_root, "--system-trust", "--purpose", "server", "--json"],
        "verify": ["verify", server, "--trust", axway_root, "--name", "localhost"],
        "ca": ["ca", "create", "offline-ca", "--subject", "/CN=Offline CA", "--key", "ec:p256",
               "--key-password-env", "DP"],
        "cert": ["cert", "create", "offline-leaf", "--issuer", "offline-ca", "--profile", "server", "--subject",
                 "/CN=offline.example", "--san", "DNS:offline.example", "--key", "ec:p256",
                 "--issuer-key-password-env", "DP", "--key-password-env", "DP"],
        "csr": ["csr", "create", "offline-csr", "--subject", "/CN=csr.example", "--key", "ec:p256",
                "--key-password-env", "DP"],
        "bind": ["bind", "add", "client-offline", str(items / "offline-leaf" / "cert.pem")],
        "check": ["check", "--profile", "open-banking-tpp", tpp1],
        "expiring": ["expiring", "--within", "400"],
        "trust": ["trust", "build", "--out", str(tmp_path / "trust.pem"), axway_root, "--system-trust"],
        "jar": ["jar", "build", "demo-server", "--out", str(tmp_path / "k.jar"), "--key-password-env", "DP"],
        "export": ["export", "demo-server", "--format", "p12", "--out", str(tmp_path / "k.p12"),
                   "--password-env", "OUTP", "--in-password-env", "DP"],
        "store": ["store", "convert", str(tmp_path / "k.p12"), "--out", str(tmp_path / "k.jks"),
                  "--password-env", "OUTP"],
        "demo": ["demo", "--force"],
    }  # fmt: skip
    assert set(runs) == set(cli.COMMAND_WORDS) - ONLINE_WORDS, "a new command needs an offline run here"
    for word, args in runs.items():
        code, _out, err = run_cli("--workspace", ws, *args, env=env)
        assert code in (0, 1), f"{word}: exit {code}: {err}"
    assert blocked_sockets == []


def test_the_block_catches_a_connection(blocked_sockets: list[str], run_cli) -> None:
    """The guard above is real: probe, the online command, is stopped by it and says so in one line."""
    code, _out, err = run_cli("probe", "127.0.0.1:9")
    assert code == 2 and "network access blocked by the test" in err
    assert blocked_sockets and blocked_sockets[0].startswith("create_connection")
