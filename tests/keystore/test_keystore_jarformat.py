"""Reading keystore JARs: archives built by the real `jar` tool, hostile archives, the checklist."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keystore_material import Pki, encrypted_key_pem, shared_pki

from certbench.core import gateway
from certbench.core.errors import CertbenchError, FormatError, PasswordError
from certbench.core.formats import jar
from certbench.core.formats.load import load_file
from certbench.core.formats.material import Format
from certbench.core.keystore import build_keystore_jar, source_from_materials
from conftest import FIXED_NOW


@pytest.fixture(scope="module")
def pki() -> Pki:
    return shared_pki()


@pytest.fixture(scope="module")
def tool_jar(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A keystore JAR made exactly as the SAP documentation says: jar -cf, then jar -uf the descriptor."""
    if not shutil.which("jar"):
        pytest.fail("the jar tool (JDK) is not installed: run scripts/ensure-tools.sh (make test does)")
    work = tmp_path_factory.mktemp("jarwork")
    (work / "main.pem").write_bytes(pki.path("fullchain.pem").read_bytes())
    (work / "privateKey.pem").write_bytes(encrypted_key_pem(pki, "leaf", "gatewaypass1"))
    (work / "META-INF").mkdir()
    (work / "META-INF" / "descriptor.properties").write_text("certFile=main.pem\nkeyFile=privateKey.pem\n")
    subprocess.run(["jar", "-cf", "k.jar", "main.pem", "privateKey.pem"], cwd=work, check=True)
    subprocess.run(["jar", "-uf", "k.jar", "META-INF/descriptor.properties"], cwd=work, check=True)
    return (work / "k.jar").read_bytes()


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _descriptor(cert: str = "main.pem", key: str = "key.pem") -> tuple[str, bytes]:
    return ("META-INF/descriptor.properties", f"certFile={cert}\nkeyFile={key}\n".encode())


def test_reads_the_jar_tool_archive_with_its_checklist(tool_jar: bytes, pki: Pki) -> None:
    assert jar.is_keystore_jar(tool_jar)
    material = jar.load_keystore_jar(tool_jar, path="k.jar", password=b"gatewaypass1")
    assert material.format is Format.KEYSTORE_JAR
    assert material.certificates == (pki.cert("leaf"), pki.cert("int"), pki.cert("root"))
    assert material.details["certFile"] == "main.pem"
    assert material.details["keyFile"] == "privateKey.pem"
    assert material.details["keyEncrypted"] == "yes"
    assert material.key_entries[0].chain == material.certificates
    checks = gateway.check_keystore_jar(material, now=FIXED_NOW, key_password=b"gatewaypass1")
    assert [c.code for c in checks] == [
        "jar.key-matches",
        "jar.not-expired",
        "jar.chain",
        "jar.password-characters",
        "jar.names",
        "jar.size",
        "jar.manifest",
    ]
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_encrypted_key_needs_its_password(tool_jar: bytes) -> None:
    with pytest.raises(PasswordError) as missing:
        jar.load_keystore_jar(tool_jar, path="k.jar")
    assert missing.value.missing and missing.value.path == "k.jar"
    with pytest.raises(PasswordError, match="wrong password") as wrong:
        jar.load_keystore_jar(tool_jar, path="k.jar", password=b"nope")
    assert not wrong.value.missing


def test_checklist_reports_each_failure(pki: Pki) -> None:
    source = source_from_materials("expired", load_file(pki.path("expired.pem")), key=load_file(pki.path("other.key")))
    material = jar.load_keystore_jar(
        build_keystore_jar(source, now=FIXED_NOW, name="bad", key_password=None).data, path="bad.jar"
    )
    by_code = {c.code: c for c in gateway.check_keystore_jar(material, now=FIXED_NOW, key_password="pa$$:word")}
    assert not by_code["jar.key-matches"].passed
    assert not by_code["jar.not-expired"].passed and "2025-01-01" in by_code["jar.not-expired"].reason
    assert not by_code["jar.chain"].passed and "not at a root" in by_code["jar.chain"].reason
    reason = by_code["jar.password-characters"].reason
    assert not by_code["jar.password-characters"].passed and "contains 3 restricted characters" in reason
    assert "! % ^ & # : / ? [ ] @ $ ' ( ) * + , ; =" in reason  # the forbidden set, not the password's own
    other = {c.code: c for c in gateway.check_keystore_jar(material, now=FIXED_NOW, key_password="pa@@#word")}
    assert other["jar.password-characters"].reason == reason
    assert by_code["jar.names"].passed and by_code["jar.size"].passed


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.pem", "climbs out"),
        ("META-INF/../../evil.pem", "climbs out"),
        ("/etc/evil.pem", "absolute"),
        ("C:/evil.pem", "absolute"),
        ("dir\\evil.pem", "backslash"),
    ],
)
def test_refuses_hostile_entry_names(pki: Pki, name: str, message: str) -> None:
    data = _zip([_descriptor(), ("main.pem", pki.path("fullchain.pem").read_bytes()), (name, b"x")])
    with pytest.raises(FormatError, match=message) as error:
        jar.load_keystore_jar(data, path="evil.jar")
    assert error.value.path == "evil.jar"


def test_refuses_descriptor_pointing_outside(pki: Pki) -> None:
    data = _zip([_descriptor(cert="../main.pem"), ("main.pem", pki.path("fullchain.pem").read_bytes())])
    with pytest.raises(FormatError, match="climbs out"):
        jar.load_keystore_jar(data, path="evil.jar")


def test_refuses_a_zip_bomb_without_inflating_it(pki: Pki) -> None:
    bomb = b"\0" * (jar.MAX_ENTRY_BYTES * 3)
    data = _zip([_descriptor(), ("main.pem", bomb), ("key.pem", pki.key_pem("leaf"))])
    assert len(data) < 20_000  # tiny on disk
    with pytest.raises(FormatError, match="zip bomb"):
        jar.load_keystore_jar(data, path="bomb.jar")


def test_refuses_too_many_entries_and_oversized_archives(pki: Pki) -> None:
    many = _zip([_descriptor(), *((f"f{i}.pem", b"x") for i in range(jar.MAX_ENTRIES + 1))])
    with pytest.raises(FormatError, match="entries"):
        jar.load_keystore_jar(many, path="many.jar")
    huge = b"PK\x03\x04" + b"\0" * jar.MAX_ARCHIVE_BYTES
    with pytest.raises(FormatError, match="bytes"):
        jar.load_keystore_jar(huge, path="huge.jar")
    assert not jar.is_keystore_jar(huge)


def test_refuses_duplicate_entries(pki: Pki) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it is asked to write
        data = _zip([_descriptor(), ("main.pem", b"a"), ("main.pem", pki.path("fullchain.pem").read_bytes())])
    with pytest.raises(FormatError, match="twice"):
        jar.load_keystore_jar(data, path="dup.jar")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("main.pem", b"x")], "without META-INF/descriptor.properties"),
        ([("META-INF/descriptor.properties", b"keyFile=key.pem\n")], "no certFile"),
        ([_descriptor()], "no such entry"),
        ([_descriptor(), ("main.pem", b"not a pem"), ("key.pem", b"x")], "no PEM certificate"),
    ],
)
def test_refuses_incomplete_keystore_jars(entries: list[tuple[str, bytes]], message: str) -> None:
    with pytest.raises(FormatError, match=message):
        jar.load_keystore_jar(_zip(entries), path="bad.jar")


def test_not_a_keystore_jar(pki: Pki) -> None:
    assert not jar.is_keystore_jar(_zip([("hello.txt", b"hi")]))
    assert not jar.is_keystore_jar(pki.path("leaf.pem").read_bytes())
    assert not jar.is_keystore_jar(b"PK\x03\x04garbage")
    with pytest.raises(FormatError, match="not a readable zip"):
        jar.load_keystore_jar(b"PK\x03\x04garbage", path="g.jar")
    with pytest.raises(FormatError, match="not a zip"):
        jar.load_keystore_jar(b"hello", path="g.jar")


def test_properties_subset() -> None:
    props = jar.parse_properties(b"# comment\n! other\ncertFile = a.pem\nkeyFile:b.pem\r\n\n  spaced\tvalue\n")
    assert props == {"certFile": "a.pem", "keyFile": "b.pem", "spaced": "value"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_jars_raise_only_project_errors(tool_jar: bytes, data: st.DataObject) -> None:
    raw = bytearray(tool_jar)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    sample = bytes(raw[: max(cut, 4)])
    assert isinstance(jar.is_keystore_jar(sample), bool)
    try:
        jar.load_keystore_jar(sample, path="m.jar", password=b"gatewaypass1")
    except CertbenchError as error:
        assert error.path == "m.jar"


def test_reads_back_from_disk_via_path(tmp_path: Path, tool_jar: bytes) -> None:
    target = tmp_path / "k.jar"
    target.write_bytes(tool_jar)
    material = jar.load_keystore_jar(target.read_bytes(), path=str(target), password=b"gatewaypass1")
    assert material.path == str(target)


def test_unsupported_zip_version_is_a_format_error(tool_jar: bytes) -> None:
    raw = bytearray(tool_jar)
    central = raw.find(b"PK\x01\x02")
    raw[central + 6 : central + 8] = (255).to_bytes(2, "little")  # "version needed to extract" 25.5
    with pytest.raises(FormatError, match="not a readable zip"):
        jar.load_keystore_jar(bytes(raw), path="v.jar")
    assert not jar.is_keystore_jar(bytes(raw))
