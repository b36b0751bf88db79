"""The TLS handshake of a probe, as it happened on the wire.

:func:`handshake` connects (optionally after a STARTTLS exchange), runs the TLS handshake with pyOpenSSL
without judging the server, and records a :class:`Handshake`: the version, cipher, ALPN, the certificates
exactly as presented, whether the server asked for a client certificate with the CA names it sent, and the
alert it answered with. Judging it is :mod:`certbench.core.online.probe`'s work. Connection problems are
:class:`NetworkError`; a refused handshake is a result.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from OpenSSL import SSL

from certbench.core.errors import NetworkError, UsageError
from certbench.core.online.starttls import negotiate

#: After a TLS 1.3 handshake in which a client certificate was asked for, the server judges it only once
#: the client has finished: its refusal (an alert) arrives after the client's handshake is complete.
#: This long is waited for that alert (within the overall timeout) before the certificate counts as accepted.
CLIENT_VERDICT_WAIT = 2.0
#: ALPN protocols offered on a direct TLS connection (not after STARTTLS), as a browser would.
ALPN_OFFER = (b"h2", b"http/1.1")

#: TLS alert descriptions (RFC 8446 section 6 and RFC 5246 section 7.2), by code.
ALERTS = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    22: "record_overflow",
    40: "handshake_failure",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    109: "missing_extension",
    110: "unsupported_extension",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    115: "unknown_psk_identity",
    116: "certificate_required",
    120: "no_application_protocol",
}
#: OpenSSL's words when what answered was not a TLS server (plain HTTP, SMTP before STARTTLS...).
_NOT_TLS = ("wrong version number", "packet length too long", "http request", "record layer failure")

_T = TypeVar("_T")


@dataclass(frozen=True)
class Target:
    """Where to connect: ``host`` and ``port``, and the SNI name sent (None: none, e.g. for an IP address)."""

    host: str
    port: int
    servername: str | None

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def expected_name(self) -> str:
        """The name a TLS client checks the server certificate against."""
        return self.servername or self.host


@dataclass(frozen=True)
class ClientIdentity:
    """The certificate (with its issuer chain, sent after it) and key a client authenticates with."""

    certificate: x509.Certificate
    key: PrivateKeyTypes
    chain: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class Handshake:
    """What happened on the wire. ``completed`` is false when the server refused (``alert``)."""

    completed: bool
    version: str | None
    cipher: str | None
    alpn: str | None
    presented: tuple[x509.Certificate, ...]
    client_auth_requested: bool
    acceptable_ca_names: tuple[x509.Name, ...]
    alert: str | None = None
    failure: str | None = None
    #: The OCSP response the server stapled to its certificate (DER), if any.
    stapled_ocsp: bytes | None = None


def handshake(
    target: Target,
    *,
    timeout: float,
    client: ClientIdentity | None = None,
    starttls: str | None = None,
) -> Handshake:
    """Connect and run the TLS handshake; everything is bounded by ``timeout`` seconds in total."""
    if timeout <= 0:
        raise UsageError("the timeout must be a positive number of seconds")
    deadline = time.monotonic() + timeout
    sock = _connect(target, timeout)
    try:
        if starttls:
            negotiate(sock, starttls, deadline=deadline)
        return _tls_handshake(sock, target, deadline=deadline, timeout=timeout, client=client, alpn=not starttls)
    finally:
        sock.close()


def _connect(target: Target, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((target.host, target.port), timeout=timeout)
    except socket.gaierror as exc:
        raise NetworkError(f"cannot resolve {target.host}: {exc.strerror or exc}") from exc
    except TimeoutError as exc:
        raise NetworkError(f"no answer within {timeout:g} s while connecting") from exc
    except ConnectionRefusedError as exc:
        raise NetworkError("connection refused (nothing listens on that port)") from exc
    except OSError as exc:
        raise NetworkError(f"cannot connect: {exc.strerror or exc}") from exc


def _tls_handshake(
    sock: socket.socket,
    target: Target,
    *,
    deadline: float,
    timeout: float,
    client: ClientIdentity | None,
    alpn: bool,
) -> Handshake:
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_verify(SSL.VERIFY_NONE)  # the chain is judged by the chain doctor, not refused here
    requested: list[bool] = []
    alerts: list[str] = []
    tickets: list[bool] = []

    def info(connection: SSL.Connection, where: int, value: int) -> None:
        if where & SSL.SSL_CB_CONNECT_LOOP and b"certificate request" in connection.get_state_string():
            requested.append(True)
        if where & SSL.SSL_CB_CONNECT_LOOP and b"session ticket" in connection.get_state_string():
            tickets.append(True)  # TLS 1.3 servers issue tickets once they have accepted the client
        if where & SSL.SSL_CB_READ_ALERT and (value >> 8) == 2:  # a fatal alert from the server
            alerts.append(ALERTS.get(value & 0xFF, f"alert {value & 0xFF}"))

    context.set_info_callback(info)
    stapled: list[bytes] = []

    def staple(connection: SSL.Connection, data: bytes, _: object) -> bool:
        if data:
            stapled.append(data)
        return True  # the response is judged (signature, validity) by the revocation check, not here

    context.set_ocsp_client_callback(staple)
    if client is not None:
        try:
            context.use_certificate(client.certificate)
            context.use_privatekey(client.key)  # type: ignore[arg-type]
            for certificate in client.chain:
                context.add_extra_chain_cert(certificate)
            context.check_privatekey()
        except (SSL.Error, TypeError, ValueError) as exc:
            raise UsageError(f"the client certificate and key cannot be used for TLS: {_openssl_words(exc)}") from exc
    connection = SSL.Connection(context, sock)
    if target.servername:
        connection.set_tlsext_host_name(target.servername.encode("idna"))
    if alpn:
        connection.set_alpn_protos(list(ALPN_OFFER))
    connection.request_ocsp()
    connection.set_connect_state()
    sock.setblocking(False)

    def facts(completed: bool, alert: str | None, failure: str | None) -> Handshake:
        chain = connection.get_peer_cert_chain(as_cryptography=True) or []
        version = connection.get_protocol_version_name()  # known too when refused after a TLS 1.3 handshake
        return Handshake(
            completed=completed,
            version=version if version and version != "unknown" else None,
            cipher=connection.get_cipher_name(),
            alpn=(connection.get_alpn_proto_negotiated() or b"").decode("ascii", "replace") or None,
            presented=tuple(chain),
            client_auth_requested=bool(requested),
            acceptable_ca_names=tuple(connection.get_client_ca_list(as_cryptography=True)),
            alert=alert,
            failure=failure,
            stapled_ocsp=stapled[0] if stapled else None,
        )

    try:
        _until_done(connection.do_handshake, sock, deadline)
    except TimeoutError as exc:
        raise NetworkError(f"no TLS answer within {timeout:g} s (is this a TLS port? try --starttls)") from exc
    except SSL.SysCallError as exc:
        if alerts:
            return facts(False, alerts[0], _openssl_words(exc))
        raise NetworkError("the server closed the connection during the TLS handshake") from exc
    except SSL.Error as exc:
        words = _openssl_words(exc)
        if alerts:
            return facts(False, alerts[0], words)
        if any(marker in words for marker in _NOT_TLS):
            raise NetworkError(
                "the server did not answer with TLS (plain HTTP or another protocol on this port? "
                "for mail, FTP or databases try --starttls)"
            ) from exc
        raise NetworkError(f"the TLS handshake failed: {words}") from exc
    if requested and connection.get_protocol_version_name() == "TLSv1.3":
        _await_verdict(connection, sock, min(deadline, time.monotonic() + CLIENT_VERDICT_WAIT), tickets)
    if alerts:
        return facts(False, alerts[0], "the server sent a fatal alert after the handshake")
    return facts(True, None, None)


def _await_verdict(connection: SSL.Connection, sock: socket.socket, until: float, tickets: list[bool]) -> None:
    """Read until the server issues a session ticket (it accepted), says something, closes, or ``until``
    (a refusal arrives as an alert, which the info callback records)."""
    while not tickets:
        try:
            connection.recv(1)
            return  # application data: the server is talking to us
        except SSL.WantReadError:
            remaining = until - time.monotonic()
            if tickets or remaining <= 0 or not select.select([sock], [], [], remaining)[0]:
                return  # a ticket (accepted), or silence until the wait ran out (no refusal came)
        except SSL.Error:
            return  # a close, or an alert (recorded)


def _until_done(operation: Callable[[], _T], sock: socket.socket, deadline: float) -> _T:
    """Run a non-blocking pyOpenSSL operation to completion, waiting on the socket until ``deadline``."""
    while True:
        try:
            return operation()
        except SSL.WantReadError:
            readable, writable = [sock], []
        except SSL.WantWriteError:
            readable, writable = [], [sock]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        ready = select.select(readable, writable, [], remaining)
        if not any(ready):
            raise TimeoutError


def _openssl_words(exc: Exception) -> str:
    """OpenSSL's reason strings from a pyOpenSSL error, on one line."""
    parts: list[str] = []
    for arg in exc.args:
        if isinstance(arg, list):
            parts.extend(str(item[-1]) if isinstance(item, tuple) else str(item) for item in arg)
        else:
            parts.append(str(arg))
    return "; ".join(p for p in parts if p) or type(exc).__name__
