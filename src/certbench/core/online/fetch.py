"""Fetching what certificates point to: issuer certificates (AIA caIssuers), CRLs and OCSP over HTTP.

Only ``http://`` URLs written in the certificates are followed (RFC 5280 publishes them over plain HTTP;
what is fetched is signature-checked before use), with no proxy and no redirect, so a request goes to
the host the certificate names and nowhere else. Sizes and times are bounded.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID

from certbench.core.describe import common_name, is_ca, names
from certbench.core.errors import NetworkError
from certbench.core.linking import is_issued_by

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
#: Issuers fetched one above the other at most (leaf -> intermediates -> root is rarely longer than 4).
MAX_FETCH_DEPTH = 6

#: ``fetch(url, timeout, body, content_type) -> bytes``: GET without a body, POST with one.
Fetcher = Callable[[str, float, "bytes | None", "str | None"], bytes]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is reported as the HTTP error it is, not followed elsewhere


def http_fetch(url: str, timeout: float, body: bytes | None = None, content_type: str | None = None) -> bytes:
    """GET (or POST ``body``) ``url``; the response body, or :class:`NetworkError` in one line."""
    if not url.lower().startswith("http://"):
        raise NetworkError(f"{url}: only http:// URLs are followed")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if content_type:
        request.add_header("Content-Type", content_type)
    request.add_header("User-Agent", "certbench")
    try:
        with opener.open(request, timeout=timeout) as response:
            data: bytes = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise NetworkError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise NetworkError(f"{url}: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:
        raise NetworkError(f"{url}: {exc}") from exc
    if len(data) > MAX_RESPONSE_BYTES:
        raise NetworkError(f"{url}: the response is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB")
    return data


def _access_urls(certificate: x509.Certificate, method: x509.ObjectIdentifier) -> list[str]:
    try:
        aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    return [
        d.access_location.value
        for d in aia
        if d.access_method == method and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ]


def ca_issuer_urls(certificate: x509.Certificate) -> list[str]:
    return _access_urls(certificate, AuthorityInformationAccessOID.CA_ISSUERS)


def ocsp_urls(certificate: x509.Certificate) -> list[str]:
    return _access_urls(certificate, AuthorityInformationAccessOID.OCSP)


def crl_urls(certificate: x509.Certificate) -> list[str]:
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    return [
        name.value
        for point in points
        for name in point.full_name or ()
        if isinstance(name, x509.UniformResourceIdentifier)
    ]


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """A caIssuers response: one DER certificate or a PKCS#7 bundle (DER or PEM; PEM certificates too)."""
    loaders: Sequence[Callable[[bytes], list[x509.Certificate]]] = (
        lambda d: [x509.load_der_x509_certificate(d)],
        pkcs7.load_der_pkcs7_certificates,
        pkcs7.load_pem_pkcs7_certificates,
        x509.load_pem_x509_certificates,
    )
    for loader in loaders:
        try:
            return list(loader(data))
        except ValueError:
            continue
    return []


@dataclass(frozen=True)
class Fetched:
    """An issuer certificate fetched from ``url`` (its signature on ``child`` verified)."""

    certificate: x509.Certificate
    url: str
    child: x509.Certificate


@dataclass(frozen=True)
class FetchResult:
    fetched: tuple[Fetched, ...]
    problems: tuple[str, ...]


def fetch_missing_issuers(
    certificates: Sequence[x509.Certificate],
    *,
    timeout: float,
    known: Sequence[x509.Certificate] = (),
    fetch: Fetcher = http_fetch,
) -> FetchResult:
    """Follow caIssuers from every certificate whose issuer is in neither ``certificates`` nor ``known``.

    A fetched certificate is used only if it is a CA whose key verifies the child's signature; a
    self-signed one (a root) is not added: roots come from the trust anchors.
    """
    pool: dict[x509.Name, list[x509.Certificate]] = {}
    for certificate in list(certificates) + list(known):
        pool.setdefault(names(certificate)[0], []).append(certificate)
    fetched: list[Fetched] = []
    problems: list[str] = []
    tried: set[str] = set()
    for _ in range(MAX_FETCH_DEPTH):
        orphans = [c for c in list(certificates) + [f.certificate for f in fetched] if _needs_issuer(c, pool)]
        progress = False
        for child in orphans:
            for url in ca_issuer_urls(child):
                if url in tried:
                    continue
                tried.add(url)
                try:
                    data = fetch(url, timeout, None, None)
                except NetworkError as exc:
                    problems.append(f"issuer of '{common_name(child)}' not fetched: {exc.message}")
                    continue
                candidates = [c for c in parse_certificates(data) if is_issued_by(child, c)]
                if not candidates:
                    problems.append(f"{url} did not give a certificate that signed '{common_name(child)}' (ignored)")
                    continue
                issuer = candidates[0]
                if names(issuer)[0] == names(issuer)[1] and is_issued_by(issuer, issuer):
                    problems.append(f"{url} gives the root '{common_name(issuer)}': not added (give it with --trust)")
                    continue
                if not is_ca(issuer):
                    problems.append(f"{url} gives '{common_name(issuer)}', which is not a CA (ignored)")
                    continue
                fetched.append(Fetched(issuer, url, child))
                pool.setdefault(names(issuer)[0], []).append(issuer)
                progress = True
                break
        if not progress:
            break
    return FetchResult(tuple(fetched), tuple(problems))


def _needs_issuer(certificate: x509.Certificate, pool: dict[x509.Name, list[x509.Certificate]]) -> bool:
    """No certificate named as its issuer (looked up by name) verifies its signature, and it is not a root."""
    subject, issuer = names(certificate)
    if subject == issuer and is_issued_by(certificate, certificate):
        return False
    return not any(c is not certificate and is_issued_by(certificate, c) for c in pool.get(issuer, ()))


__all__ = [
    "FetchResult",
    "Fetched",
    "Fetcher",
    "ca_issuer_urls",
    "crl_urls",
    "fetch_missing_issuers",
    "http_fetch",
    "ocsp_urls",
    "parse_certificates",
]
