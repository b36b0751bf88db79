"""Servers on 127.0.0.1 for the probe tests. Each is a context manager that stops its server on exit;
every loop is bounded (accept polls a stop flag, each connection has a timeout)."""

from __future__ import annotations

import contextlib
import http.server
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

CONNECTION_TIMEOUT = 5.0


class TLSServer:
    """A Python ``ssl`` server: accepts connections one at a time, completes the handshake, waits for the
    client to close. ``smtp=True`` speaks the SMTP STARTTLS dialogue first. Errors are kept in ``errors``."""

    def __init__(self, context: ssl.SSLContext, *, smtp: bool = False) -> None:
        self.context = context
        self.smtp = smtp
        self.errors: list[Exception] = []
        self.smtp_commands: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"tls-server-{self.port}", daemon=True)

    def __enter__(self) -> TLSServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.listener.close()
        assert not self._thread.is_alive(), "the test server did not stop"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(CONNECTION_TIMEOUT)
                try:
                    self._handle(conn)
                except (ssl.SSLError, OSError) as exc:
                    self.errors.append(exc)

    def _handle(self, conn: socket.socket) -> None:
        if self.smtp:
            reader = conn.makefile("rb")
            conn.sendall(b"220 localhost ESMTP certbench test server\r\n")
            self.smtp_commands.append(reader.readline().decode(errors="replace").strip())  # EHLO
            conn.sendall(b"250-localhost greets you\r\n250-SIZE 1000000\r\n250 STARTTLS\r\n")
            self.smtp_commands.append(reader.readline().decode(errors="replace").strip())  # STARTTLS
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
        with self.context.wrap_socket(conn, server_side=True) as tls, contextlib.suppress(ssl.SSLError, OSError):
            tls.recv(1)  # until the client closes (or the timeout)


def server_context(cert_chain: Path, key: Path, *, max_version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    """A server context presenting ``cert_chain`` (its certificates in file order) with ``key``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_chain, key)
    if max_version is not None:
        context.maximum_version = max_version
    return context


def sni_context(default: ssl.SSLContext, by_name: dict[str, ssl.SSLContext], seen: list[str | None]) -> ssl.SSLContext:
    """``default`` switching to ``by_name[SNI]`` in the handshake; the names asked for go to ``seen``."""

    def choose(sslobj: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        seen.append(name)
        if name in by_name:
            sslobj.context = by_name[name]

    default.sni_callback = choose  # type: ignore[assignment]
    return default


@contextlib.contextmanager
def openssl_server(*args: str | Path, cwd: Path) -> Iterator[int]:
    """``openssl s_server -accept 127.0.0.1:0 ARGS``; yields the port it listens on, terminates it after."""
    log = cwd / f"s_server-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["openssl", "s_server", "-accept", "127.0.0.1:0", *[str(a) for a in args]],
            stdin=subprocess.PIPE,  # kept open: at end of input s_server would drop its connection
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
    try:
        port = None
        for _ in range(100):  # up to ~10 s for the ACCEPT line
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("ACCEPT"):
                    port = int(line.rsplit(":", 1)[1])
            if port is not None or process.poll() is not None:
                break
            time.sleep(0.1)
        assert port is not None, f"openssl s_server did not start: {log.read_text(errors='replace')}"
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdin is not None
        process.stdin.close()


@contextlib.contextmanager
def http_server() -> Iterator[int]:
    """A plain HTTP server (no TLS); yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A socket that listens and never answers (the connection completes in the backlog)."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        yield listener.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe_socket:
        return int(probe_socket.getsockname()[1])
