"""The ``openssl ca`` set-up the test material builders share: a CA's database folder and the config's
common part (one copy instead of one per builder). Each builder adds its own extension sections."""

from __future__ import annotations

from pathlib import Path

_BASE = """
[ ca ]
default_ca = testca
[ testca ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 30
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = no
[ anything ]
@POLICY@
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
"""

#: The subject fields a CA's certificates keep, in this order (``openssl ca`` drops the others and orders
#: the subject by this list): ``commonName`` is required, the others optional.
CN_O = ("commonName", "organizationName")


def ca_config(extensions: str, *, subject: tuple[str, ...] = CN_O) -> str:
    """A config template (``{dir}`` and the extensions' own placeholders to fill in with ``str.format``):
    the shared CA part, the ``subject`` policy, then ``extensions`` (the ``[ v3_... ]`` sections)."""
    policy = "\n".join(f"{field} = {'supplied' if field == 'commonName' else 'optional'}" for field in subject)
    return _BASE.replace("@POLICY@", policy) + extensions.lstrip("\n")


def ca_database(ca_dir: Path, serial: str = "1000") -> None:
    """An empty ``openssl ca`` database in ``ca_dir``: ``newcerts/``, ``index.txt``, ``serial``, ``crlnumber``."""
    (ca_dir / "newcerts").mkdir(parents=True, exist_ok=True)
    (ca_dir / "index.txt").write_text("")
    (ca_dir / "serial").write_text(f"{serial}\n")
    (ca_dir / "crlnumber").write_text("01\n")
