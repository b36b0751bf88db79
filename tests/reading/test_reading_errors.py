"""Every way reading fails, on real malformed files: one line, the file named, a project error, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reading_material import PASSWORD, path_of, shared_material_dir

from certbench.core.errors import CertbenchError, FormatError, PasswordError
from certbench.core.formats import load as load_module
from certbench.core.formats.load import MAX_INPUT_BYTES, load_file, load_material


@pytest.fixture(scope="session")
def reading_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    return shared_material_dir(tmp_path_factory, worker_id)


def assert_one_line_error(error: CertbenchError, path: Path | str) -> None:
    assert error.path == str(path)
    assert "\n" not in str(error) and "\r" not in str(error)
    assert str(error).startswith(f"{path}: ")
    assert len(error.message) < 300
    assert "Traceback" not in error.message


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("empty.pem", "is empty"),
        ("blank.pem", "is empty"),
        ("garbage.txt", "is text without any PEM block"),
        ("binary-junk.bin", "is binary data certbench does not recognise"),
        ("truncated-first.pem", "PEM block 1 (CERTIFICATE) is cut off: no '-----END CERTIFICATE-----' line"),
        ("lonely-text.txt", "PEM block 1 (CERTIFICATE) is cut off"),
        ("bad-base64.pem", "PEM block 1 (CERTIFICATE) is damaged: its base64 content does not decode"),
        ("unknown-block.pem", "PEM block 1 (SOMETHING) is not something certbench reads"),
        ("public-key.pem", "holds a public key (certbench reads certificates, private keys and CSRs)"),
        ("dump-only.txt", "is the text output of 'openssl x509 -text' without its PEM block"),
        ("csr-dump-only.txt", "is the text output of 'openssl req -text' without its PEM block"),
        ("truncated.der", "is DER data cut off: it declares"),
        ("truncated.pfx", "is DER data cut off: it declares"),
        ("not-a-cert.der", "is binary data certbench does not recognise"),
        ("truncated.jks", "is a damaged JKS keystore: the data ends too early"),
        ("header-only.jks", "is a damaged JKS keystore: the data ends too early"),
        ("version1.jks", "is a JKS keystore of a version certbench cannot read"),
        ("truncated.jar", "starts like a zip archive but is damaged"),
        ("certificates.zip", "is a zip archive but not a keystore JAR"),
        ("empty.zip", "is a zip archive but not a keystore JAR"),
    ],
)
@pytest.mark.parametrize("password", [None, PASSWORD.encode()])
def test_malformed_files_give_one_line_format_errors(reading_dir: Path, name: str, fragment: str, password) -> None:
    path = reading_dir / name
    with pytest.raises(FormatError) as caught:
        load_file(path, password)
    assert caught.value.code == "input.unreadable"
    assert fragment in caught.value.message
    assert_one_line_error(caught.value, path)


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("modern.pfx", True),
        ("legacy.p12", True),
        ("pkcs8-encrypted.pem", True),
        ("pkcs8-encrypted.der", True),
        ("rsa-pkcs1-encrypted.pem", True),
        ("keystore.jks", True),
        ("truststore.jceks", True),
    ],
)
def test_password_errors_say_missing_or_wrong(reading_dir: Path, name: str, missing: bool) -> None:
    path = reading_dir / name
    with pytest.raises(PasswordError) as without:
        load_file(path)
    assert without.value.missing is missing
    assert without.value.code == "input.password"
    assert_one_line_error(without.value, path)
    with pytest.raises(PasswordError) as wrong:
        load_file(path, b"Wrong-Pass9")
    assert wrong.value.missing is False
    assert "wrong password" in wrong.value.message
    assert "Wrong-Pass9" not in str(wrong.value)
    assert_one_line_error(wrong.value, path)


def test_directory_is_refused(reading_dir: Path) -> None:
    with pytest.raises(FormatError) as caught:
        load_file(reading_dir / "jar-content")
    assert caught.value.message == "is a directory, not a file"


def test_missing_file(reading_dir: Path) -> None:
    path = reading_dir / "no-such-file.pem"
    with pytest.raises(FormatError) as caught:
        load_file(path)
    assert caught.value.message == "cannot read: No such file or directory"
    assert_one_line_error(caught.value, path)


def test_unreadable_file(tmp_path: Path, reading_dir: Path) -> None:
    """A file without read permission, read by a real process that has no way around it: as root, the
    process drops the capabilities that let root read anything (setpriv, util-linux), so the test
    holds whoever runs it (it used to be skipped under root, as in CI containers)."""
    path = tmp_path / "locked.pem"
    path.write_bytes((reading_dir / "leaf.pem").read_bytes())
    path.chmod(0)
    command = [sys.executable, "-m", "certbench", "--workspace", str(tmp_path / "ws"), "inspect", str(path)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "running as root needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE for this test"
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"certbench: error: {path}: ") and result.stderr.count("\n") == 1
    assert "Permission denied" in result.stderr


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.pem"
    with path.open("wb") as handle:
        handle.truncate(MAX_INPUT_BYTES + 1)  # sparse: nothing is written or read
    with pytest.raises(FormatError) as caught:
        load_file(path)
    assert (
        caught.value.message
        == f"is {MAX_INPUT_BYTES + 1} bytes, larger than the {MAX_INPUT_BYTES} bytes certbench reads"
    )


def test_bytes_over_the_size_limit_are_refused(monkeypatch: pytest.MonkeyPatch, reading_dir: Path) -> None:
    monkeypatch.setattr(load_module, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(FormatError) as caught:
        load_material((reading_dir / "chain.pem").read_bytes(), path="big.pem")
    assert "larger than the 1000 bytes" in caught.value.message


def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """A named pipe with no writer used to block forever; it is refused by its kind, never opened to wait."""
    fifo = tmp_path / "pipe.pem"
    os.mkfifo(fifo)
    with pytest.raises(FormatError) as caught:
        load_file(fifo)
    assert caught.value.message == "is a named pipe (FIFO), not a file"
    assert caught.value.path == str(fifo)


def test_foreign_formats_are_named(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    with pytest.raises(FormatError) as caught:
        load_file(key.with_suffix(".pub"))
    assert caught.value.message == "is an OpenSSH public key, not an X.509 certificate"
    # The OpenSSH private key itself is a key certbench reads.
    material = load_file(key)
    assert len(material.keys) == 1


def test_encrypted_openssh_key_says_how_to_convert_it(tmp_path: Path) -> None:
    key = tmp_path / "id_ecdsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-N", PASSWORD, "-f", key], check=True)
    with pytest.raises(PasswordError) as asked:
        load_file(key)
    assert asked.value.missing
    with pytest.raises(FormatError) as caught:
        load_file(key, PASSWORD.encode())
    assert "ssh-keygen -p -m PKCS8" in caught.value.message
    assert_one_line_error(caught.value, key)
    # Following the advice gives an encrypted PKCS#8 key that certbench reads.
    subprocess.run(["ssh-keygen", "-q", "-p", "-m", "PKCS8", "-P", PASSWORD, "-N", PASSWORD, "-f", key], check=True)
    with pytest.raises(PasswordError) as missing:
        load_file(key)
    assert missing.value.missing
    assert len(load_file(key, PASSWORD.encode()).keys) == 1


def test_a_damaged_block_among_good_ones_is_reported_not_fatal(reading_dir: Path) -> None:
    data = (reading_dir / "bad-base64.pem").read_bytes() + (reading_dir / "inter.pem").read_bytes()
    material = load_material(data, path="mixed.pem")
    assert len(material.certificates) == 1
    assert material.problems[0].startswith("PEM block 1 (CERTIFICATE) is damaged")


def test_the_cli_prints_one_line_for_an_unreadable_file(reading_dir: Path, tmp_path: Path) -> None:
    """End to end through a real process: ``certbench: error: FILE: problem`` and exit 2, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "certbench", "inspect", str(reading_dir / "truncated.jks")],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{reading_dir / 'truncated.jks'}: is a damaged JKS keystore" in result.stderr


def test_unsupported_keystore_type_is_named(reading_dir: Path) -> None:
    path = path_of(reading_dir, "truststore.bcfks")
    for password in (None, PASSWORD.encode()):
        with pytest.raises(FormatError) as caught:
            load_file(path, password)
        assert caught.value.message.startswith("is a BouncyCastle FIPS keystore (BCFKS), which certbench cannot read")
        assert_one_line_error(caught.value, path)
