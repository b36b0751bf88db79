"""Messages that blame the right thing (issue 11, §8): the empty client_id, not the certificate file; a
damaged PKCS#12 is not called "protected by a password". Material made by openssl in the session."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from certbench.core.errors import PasswordError
from certbench.core.formats.load import load_file
from tool_runner import run_tool

P12_PASSWORD = "honest-p12"


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("honest")
    run_tool(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "client.key", "-out", "client.pem", "-days", "30", "-subj", "/CN=honest client",
        cwd=folder,
    )  # fmt: skip
    for name, extra in (("modern.p12", ()), ("legacy.p12", ("-legacy",))):
        run_tool(
            "openssl", "pkcs12", "-export", "-inkey", "client.key", "-in", "client.pem", *extra,
            "-passout", f"pass:{P12_PASSWORD}", "-out", name,
            cwd=folder,
        )  # fmt: skip
    return folder


@pytest.mark.parametrize("client_id", ["", "   ", "a\tb"])
def test_bind_add_blames_the_client_id_not_the_file(run_cli, material: Path, tmp_path: Path, client_id: str) -> None:  # type: ignore[no-untyped-def]
    certificate = material / "client.pem"
    code, _out, err = run_cli("--workspace", str(tmp_path / "ws"), "bind", "add", client_id, str(certificate))
    assert code == 2
    assert err.startswith("certbench: error: client_id ") and str(certificate) not in err
    # Checked before the file is read: a missing file is not what gets reported either.
    code, _out, err = run_cli("--workspace", str(tmp_path / "ws"), "bind", "add", client_id, str(tmp_path / "no.pem"))
    assert code == 2 and err.startswith("certbench: error: client_id ")


def _with_random_auth_safe(data: bytes) -> bytes:
    """The PFX with the content of its authSafe replaced by random bytes of the same length: the outer
    DER layers still say PKCS#12, OpenSSL still answers "invalid password or PKCS12 data"."""
    header = data.index(bytes.fromhex("06092a864886f70d010701"))  # authSafe: ContentInfo of type data
    octets = data.index(b"\x04", header + 11)  # [0] EXPLICIT, then the OCTET STRING
    size_byte = data[octets + 1]
    start = octets + 2 + (size_byte & 0x7F if size_byte & 0x80 else 0)
    length = int.from_bytes(data[octets + 2 : start], "big") if size_byte & 0x80 else size_byte
    noise = random.Random(11).randbytes(length)
    return data[:start] + noise + data[start + length :]


def test_a_damaged_pkcs12_is_not_called_password_protected(material: Path, tmp_path: Path) -> None:
    for name in ("modern.p12", "legacy.p12"):
        with pytest.raises(PasswordError, match=r"is a PKCS#12 file protected by a password$") as real:
            load_file(material / name)
        assert real.value.missing
        assert load_file(material / name, P12_PASSWORD.encode()).keys
        damaged = tmp_path / f"damaged-{name}"
        damaged.write_bytes(_with_random_auth_safe((material / name).read_bytes()))
        with pytest.raises(PasswordError, match=r"is a damaged PKCS#12 file, or one that needs a password$") as info:
            load_file(damaged)
        assert info.value.missing  # a password might still be what is missing: the UI and CLI may ask
        with pytest.raises(PasswordError, match=r"is a damaged PKCS#12 file \(or the password is wrong\)$"):
            load_file(damaged, P12_PASSWORD.encode())
