"""A small PKI with AIA, OCSP and CRL URLs on a 127.0.0.1 HTTP server, made and served by real tools.

The HTTP server starts first (its port goes into the certificates): GET serves the issuer certificates
(DER) and CRLs (DER) of the directory; POST /ocsp answers with ``openssl ocsp -index`` (the real
responder logic, run per request on the request it got: ``openssl ocsp -port`` cannot bind to 127.0.0.1
only). Root -> "Revocation Test Issuing CA" -> leaves ``good`` and ``revoked`` (keyCompromise); a
delegated OCSP responder certificate; an impostor CA with the issuing CA's name and its own CRL that
"revokes" ``good``; ``stray`` whose caIssuers URL serves an unrelated CA.
"""

from __future__ import annotations

import http.server
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openssl_ca import ca_config, ca_database
from tool_runner import run_tool as run

CA_CNF = ca_config(
    """
[ v3_root ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_inter ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess = caIssuers;URI:{base}/root.der
crlDistributionPoints = URI:{base}/root.crl
[ v3_leaf ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityKeyIdentifier = keyid:always
authorityInfoAccess = caIssuers;URI:{base}/inter.der,OCSP;URI:{base}/ocsp
crlDistributionPoints = URI:{base}/inter.crl
[ v3_stray ]
basicConstraints = critical,CA:false
subjectAltName = DNS:localhost
authorityInfoAccess = caIssuers;URI:{base}/unrelated.der
[ v3_ocsp ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
"""
)

ISSUING_CA = "/O=Certbench Test/CN=Revocation Test Issuing CA"


@dataclass(frozen=True)
class RevocationPKI:
    directory: Path
    base: str  # http://127.0.0.1:PORT
    root: Path
    inter: Path
    good: Path
    good_key: Path
    revoked: Path
    revoked_key: Path
    stray: Path
    inter_crl: Path  # DER, lists `revoked`
    impostor_crl: Path  # DER, same issuer name, another key, lists `good`
    revoked_ocsp_response: Path  # DER, what the responder says about `revoked` (for stapling)


class _Handler(http.server.BaseHTTPRequestHandler):
    directory: Path
    ocsp_args: list[str]
    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: the test output stays readable

    def do_GET(self) -> None:
        self.requests.append(f"GET {self.path}")
        target = self.directory / "www" / self.path.lstrip("/")
        if not target.is_file():
            self.send_error(404)
            return
        self._reply(target.read_bytes(), "application/octet-stream")

    def do_POST(self) -> None:
        self.requests.append(f"POST {self.path}")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        request = self.directory / f"req-{threading.get_ident()}.der"
        response = self.directory / f"resp-{threading.get_ident()}.der"
        request.write_bytes(body)
        subprocess.run(
            [*self.ocsp_args, "-reqin", str(request), "-respout", str(response)],
            cwd=self.directory, check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        self._reply(response.read_bytes(), "application/ocsp-response")

    def _reply(self, data: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def revocation_pki(directory: Path) -> Iterator[tuple[RevocationPKI, list[str]]]:
    """Make the PKI and serve it; yields it with the list of requests the server received."""
    (directory / "www").mkdir(parents=True)
    requests: list[str] = []
    handler = type("Handler", (_Handler,), {"directory": directory, "requests": requests, "ocsp_args": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        pki = _make(directory, base)
        handler.ocsp_args = [
            "openssl", "ocsp", "-index", str(directory / "inter-ca" / "index.txt"), "-CA", str(pki.inter),
            "-rsigner", str(directory / "ocsp.pem"), "-rkey", str(directory / "ocsp.key"), "-ndays", "1",
        ]  # fmt: skip
        _staple(directory, pki, handler.ocsp_args)
        yield pki, requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _make(directory: Path, base: str) -> RevocationPKI:
    now = datetime.now(UTC)
    start = (now - timedelta(days=1)).strftime("%Y%m%d%H%M%SZ")
    end = (now + timedelta(days=365)).strftime("%Y%m%d%H%M%SZ")

    def ca_dir(name: str, serial: str) -> Path:
        where = directory / name
        ca_database(where, serial)
        cnf = where / "ca.cnf"
        cnf.write_text(CA_CNF.format(dir=where, base=base))
        return cnf

    root_cnf, inter_cnf, impostor_cnf = (
        ca_dir("root-ca", "1000"),
        ca_dir("inter-ca", "3000"),
        ca_dir("impostor-ca", "9000"),
    )

    def key(stem: str) -> Path:
        path = directory / f"{stem}.key"
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path,
            cwd=directory)  # fmt: skip
        return path

    def cert(stem: str, subject: str, ext: str, cnf: Path, issuer: str | None) -> Path:
        csr = directory / f"{stem}.csr"
        run("openssl", "req", "-new", "-config", cnf, "-key", directory / f"{stem}.key", "-subj", subject,
            "-out", csr, cwd=directory)  # fmt: skip
        out = directory / f"{stem}.pem"
        args: list[str | Path] = ["openssl", "ca", "-batch", "-notext", "-config", cnf, "-in", csr, "-out", out]
        args += ["-startdate", start, "-enddate", end, "-extensions", ext]
        if issuer is None:
            args += ["-selfsign", "-keyfile", directory / f"{stem}.key"]
        else:
            args += ["-cert", directory / f"{issuer}.pem", "-keyfile", directory / f"{issuer}.key"]
        run(*args, cwd=directory)
        return out

    def der(pem: Path, name: str, kind: str = "x509") -> Path:
        out = directory / "www" / name
        run("openssl", kind, "-in", pem, "-outform", "DER", "-out", out, cwd=directory)
        return out

    def gencrl(cnf: Path, issuer: str, name: str) -> Path:
        pem = directory / f"{name}.pem"
        run("openssl", "ca", "-gencrl", "-config", cnf, "-cert", directory / f"{issuer}.pem", "-keyfile",
            directory / f"{issuer}.key", "-out", pem, cwd=directory)  # fmt: skip
        return der(pem, name, "crl")

    key("root")
    root = cert("root", "/O=Certbench Test/CN=Revocation Test Root CA", "v3_root", root_cnf, None)
    key("inter")
    inter = cert("inter", ISSUING_CA, "v3_inter", root_cnf, "root")
    good_key, revoked_key = key("good"), key("revoked")
    good = cert("good", "/CN=good.localhost", "v3_leaf", inter_cnf, "inter")
    revoked = cert("revoked", "/CN=revoked.localhost", "v3_leaf", inter_cnf, "inter")
    key("ocsp")
    cert("ocsp", "/O=Certbench Test/CN=Revocation Test OCSP Responder", "v3_ocsp", inter_cnf, "inter")
    key("stray")
    stray = cert("stray", "/CN=stray.localhost", "v3_stray", inter_cnf, "inter")
    run("openssl", "ca", "-config", inter_cnf, "-revoke", revoked, "-crl_reason", "keyCompromise",
        "-cert", inter, "-keyfile", directory / "inter.key", cwd=directory)  # fmt: skip
    der(root, "root.der")
    der(inter, "inter.der")
    der(root, "unrelated.der")  # the root did not sign `stray`
    gencrl(root_cnf, "root", "root.crl")
    inter_crl = gencrl(inter_cnf, "inter", "inter.crl")
    key("impostor")
    cert("impostor", ISSUING_CA, "v3_root", impostor_cnf, None)
    run("openssl", "ca", "-config", impostor_cnf, "-revoke", good, "-crl_reason", "keyCompromise",
        "-cert", directory / "impostor.pem", "-keyfile", directory / "impostor.key", cwd=directory)  # fmt: skip
    impostor_crl = gencrl(impostor_cnf, "impostor", "impostor.crl")
    return RevocationPKI(
        directory=directory,
        base=base,
        root=root,
        inter=inter,
        good=good,
        good_key=good_key,
        revoked=revoked,
        revoked_key=revoked_key,
        stray=stray,
        inter_crl=inter_crl,
        impostor_crl=impostor_crl,
        revoked_ocsp_response=directory / "revoked-ocsp.der",
    )


def _staple(directory: Path, pki: RevocationPKI, ocsp_args: list[str]) -> None:
    """The responder's answer about ``revoked``, made offline, for ``openssl s_server -status_file``."""
    request = directory / "revoked-ocsp-req.der"
    run("openssl", "ocsp", "-issuer", pki.inter, "-cert", pki.revoked, "-reqout", request, "-no_nonce",
        cwd=directory)  # fmt: skip
    run(*ocsp_args, "-reqin", request, "-respout", pki.revoked_ocsp_response, cwd=directory)
