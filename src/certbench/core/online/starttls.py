"""The plain-text exchange before a STARTTLS handshake (SMTP, IMAP, POP3, FTP, PostgreSQL).

Each exchange reads the server's greeting, asks for TLS and checks the server agreed; after it the
caller starts the TLS handshake on the same socket. Every read is bounded by the caller's deadline and
by :data:`MAX_REPLY_BYTES`.
"""

from __future__ import annotations

import socket
import struct
import time

from certbench.core.errors import NetworkError

#: Protocols ``--starttls`` speaks (LDAP's StartTLS is a BER-encoded request: not offered).
PROTOCOLS = ("smtp", "imap", "pop3", "ftp", "postgres")
#: The usual port of each protocol when the target names none.
DEFAULT_PORTS = {"smtp": 25, "imap": 143, "pop3": 110, "ftp": 21, "postgres": 5432}
MAX_REPLY_BYTES = 64 * 1024
#: PostgreSQL's SSLRequest: length 8, then the request code 1234.5679 (protocol docs, "SSLRequest").
_POSTGRES_SSL_REQUEST = struct.pack("!ii", 8, 80877103)


class _Lines:
    """Reads CRLF lines from ``sock`` until ``deadline`` (time.monotonic)."""

    def __init__(self, sock: socket.socket, deadline: float, protocol: str) -> None:
        self.sock = sock
        self.deadline = deadline
        self.protocol = protocol
        self.buffer = b""
        self.total = 0

    def receive(self, size: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise NetworkError(f"{self.protocol}: the server did not answer in time")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(size)
        except TimeoutError as exc:
            raise NetworkError(f"{self.protocol}: the server did not answer in time") from exc
        except OSError as exc:
            raise NetworkError(f"{self.protocol}: connection lost ({exc.strerror or exc})") from exc
        if not data:
            raise NetworkError(f"{self.protocol}: the server closed the connection before TLS started")
        self.total += len(data)
        if self.total > MAX_REPLY_BYTES:
            raise NetworkError(f"{self.protocol}: the server's reply is too long (not {self.protocol}?)")
        return data

    def line(self) -> str:
        while b"\n" not in self.buffer:
            self.buffer += self.receive(4096)
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", errors="replace")

    def reply(self) -> str:
        """An SMTP/FTP reply: ``NNN-`` continuation lines up to the ``NNN `` line; returns the last line."""
        while True:
            line = self.line()
            if len(line) < 4 or line[3] != "-":
                return line


def _send(sock: socket.socket, data: bytes, protocol: str) -> None:
    try:
        sock.sendall(data)
    except OSError as exc:
        raise NetworkError(f"{protocol}: connection lost ({exc.strerror or exc})") from exc


def _expect(reply: str, prefix: str, protocol: str, what: str) -> None:
    if not reply.startswith(prefix):
        shown = reply[:120] or "(empty line)"
        raise NetworkError(f"{protocol}: {what}: the server answered {shown!r}")


def negotiate(sock: socket.socket, protocol: str, *, deadline: float) -> None:
    """Ask the server on ``sock`` to start TLS with ``protocol``; raises :class:`NetworkError` if it will not."""
    lines = _Lines(sock, deadline, protocol)
    if protocol == "smtp":
        _expect(lines.reply(), "220", protocol, "no SMTP greeting")
        _send(sock, b"EHLO certbench.invalid\r\n", protocol)
        _expect(lines.reply(), "250", protocol, "EHLO refused")
        _send(sock, b"STARTTLS\r\n", protocol)
        _expect(lines.reply(), "220", protocol, "STARTTLS refused")
    elif protocol == "imap":
        _expect(lines.line(), "* OK", protocol, "no IMAP greeting")
        _send(sock, b"a1 STARTTLS\r\n", protocol)
        while (line := lines.line()).startswith("*"):
            continue
        _expect(line, "a1 OK", protocol, "STARTTLS refused")
    elif protocol == "pop3":
        _expect(lines.line(), "+OK", protocol, "no POP3 greeting")
        _send(sock, b"STLS\r\n", protocol)
        _expect(lines.line(), "+OK", protocol, "STLS refused")
    elif protocol == "ftp":
        _expect(lines.reply(), "220", protocol, "no FTP greeting")
        _send(sock, b"AUTH TLS\r\n", protocol)
        _expect(lines.reply(), "234", protocol, "AUTH TLS refused")
    elif protocol == "postgres":
        _send(sock, _POSTGRES_SSL_REQUEST, protocol)
        answer = lines.receive(1)
        if answer != b"S":
            raise NetworkError(f"{protocol}: the server does not offer TLS (answered {answer!r} to SSLRequest)")
    else:
        raise NetworkError(f"STARTTLS for {protocol!r} is not supported (use one of: {', '.join(PROTOCOLS)})")
