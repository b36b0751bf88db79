"""Certificates whose names would drive a terminal, made by openssl in the test session.

The CN of the CA and of the leaf holds an OSC title change (``ESC ] 0 ; PWNED BEL``), a colour change
(``ESC [ 31 m``), a carriage return, a newline followed by a forged line, a C1 CSI and a right-to-left
override. openssl takes those bytes as they are with ``-subj ... -utf8``. The PKCS#12 carries a friendly
name (the alias certbench shows) of the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tool_runner import run_tool as run

#: The hostile text put in the CNs. "FORGED" starts a line if a newline gets through.
HOSTILE = "evil\x1b]0;PWNED\x07\x1b[31mred\rover\nFORGED line\u009b2J\u202eesrever"
#: The characters that must never reach a terminal raw from certbench's text output.
RAW_CONTROLS = ("\x1b", "\x07", "\r", "\u009b", "\u202e")
P12_PASSWORD = "hostile-p12"

LEAF_EXT = """
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth,serverAuth
subjectAltName = DNS:leaf.example.com
"""


@dataclass(frozen=True)
class HostileMaterial:
    ca: Path
    leaf: Path
    p12: Path


def make_hostile_material(folder: Path) -> HostileMaterial:
    folder.mkdir(parents=True, exist_ok=True)
    run(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-utf8",
        "-subj", f"/O=Hostile/CN=CA {HOSTILE}", "-addext", "basicConstraints=critical,CA:true",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    run(
        "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "leaf.key", "-out", "leaf.csr", "-utf8", "-subj", f"/O=Hostile/CN=leaf {HOSTILE}",
        cwd=folder,
    )  # fmt: skip
    (folder / "leaf.ext").write_text(LEAF_EXT)
    run(
        "openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "365", "-extfile", "leaf.ext", "-out", "leaf.pem",
        cwd=folder,
    )  # fmt: skip
    run(
        "openssl", "pkcs12", "-export", "-inkey", "ca.key", "-in", "ca.pem", "-name", f"alias {HOSTILE}",
        "-passout", f"pass:{P12_PASSWORD}", "-out", "ca.p12",
        cwd=folder,
    )  # fmt: skip
    return HostileMaterial(ca=folder / "ca.pem", leaf=folder / "leaf.pem", p12=folder / "ca.p12")
