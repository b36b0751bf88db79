"""Where the operating system keeps its CA bundle (used by truststores and by inspect's --system-trust)."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

#: Where distributions keep the system CA bundle, after what Python's ssl module reports.
COMMON_SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # RHEL, Fedora, CentOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # RHEL 7+
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # macOS, BSD, Alpine
)


def system_bundle_path() -> Path | None:
    """The operating system's CA bundle: $SSL_CERT_FILE, Python's ssl default, then common locations."""
    paths = ssl.get_default_verify_paths()
    candidates = [os.environ.get(paths.openssl_cafile_env or "SSL_CERT_FILE"), paths.cafile, paths.openssl_cafile]
    candidates.extend(COMMON_SYSTEM_BUNDLES)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None
