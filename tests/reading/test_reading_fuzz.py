"""Property-based fuzzing of the loaders with mutated real files (openssl/keytool/jar made).

Whatever the damage (flipped bytes, cut files, inserted or deleted runs, length fields overwritten with
extreme values), reading yields a Material or a :class:`CertbenchError` that the loader raised on
purpose, never another exception, never the last-resort "parser surprise" net, and never a hang.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reading_material import PASSWORD, path_of, shared_material_dir

from certbench.core.errors import CertbenchError
from certbench.core.formats.load import load_material
from certbench.core.formats.material import Material

pytestmark = pytest.mark.filterwarnings("ignore:PKCS#7 certificates could not be parsed as DER")

#: Examples per mutated source; raise it for a long hunt: CERTBENCH_FUZZ_EXAMPLES=2000 pytest tests/reading
EXAMPLES = int(os.environ.get("CERTBENCH_FUZZ_EXAMPLES", "35"))
#: The message of load_material's last-resort net: reaching it means a parser error was not handled.
SURPRISE = "is damaged or not a format certbench reads ("

SOURCES = [
    "chain.pem",
    "crlf-bom.pem",
    "leaf-der.pem",
    "chain.p7b",
    "chain-der.p7c",
    "modern.pfx",
    "legacy.p12",
    "empty-password.p12",
    "ec-sec1.pem",
    "pkcs8-encrypted.pem",
    "pkcs8-encrypted.der",
    "ed25519.pem",
    "request-der.csr",
    "keystore.jks",
    "truststore.jks",
    "keystore.jceks",
    "keystore.bks",
    "truststore.uber",
    "keystore.jar",
]
PASSWORDS = st.sampled_from([None, b"", PASSWORD.encode(), b"Wrong-Pass9"])
EXTREMES = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]

MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 20), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.binary(min_size=1, max_size=24)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 64)),
    st.tuples(st.just("int32"), st.integers(0, 1 << 20), st.sampled_from(EXTREMES)),
)


def mutate(data: bytes, mutations: list[tuple[str, int, object]]) -> bytes:
    buffer = bytearray(data)
    for kind, position, value in mutations:
        if not buffer:
            break
        index = position % len(buffer)
        if kind == "flip":
            assert isinstance(value, int)
            buffer[index] ^= value
        elif kind == "truncate":
            del buffer[index:]
        elif kind == "insert":
            assert isinstance(value, bytes)
            buffer[index:index] = value
        elif kind == "delete":
            assert isinstance(value, int)
            del buffer[index : index + value]
        else:  # overwrite a big-endian 32-bit field (JKS/BKS lengths, counts, versions)
            assert isinstance(value, int)
            buffer[index : index + 4] = struct.pack(">I", value)
    return bytes(buffer)


def check_load(data: bytes, name: str, password: bytes | None) -> None:
    try:
        material = load_material(data, path=name, password=password)
    except CertbenchError as error:
        assert error.path == name
        assert "\n" not in str(error)
        assert not error.message.startswith(SURPRISE), f"unhandled parser error: {error!r} from {error.__cause__!r}"
    else:
        assert isinstance(material, Material)
        assert material.certificates or material.keys or material.csrs


@pytest.fixture(scope="session")
def reading_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    return shared_material_dir(tmp_path_factory, worker_id)


@pytest.mark.parametrize("name", SOURCES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4), password=PASSWORDS)
def test_mutated_real_files_only_raise_project_errors(
    reading_dir: Path, name: str, mutations: list[tuple[str, int, object]], password: bytes | None
) -> None:
    original = path_of(reading_dir, name).read_bytes()
    check_load(mutate(original, mutations), name, password)


MAGICS = [
    b"",
    b"\xfe\xed\xfe\xed\x00\x00\x00\x02",
    b"\xce\xce\xce\xce\x00\x00\x00\x02",
    b"\x00\x00\x00\x01\x00\x00\x00\x14",
    b"\x00\x00\x00\x02\x00\x00\x00\x14",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x30\x82",
    b"\x30\x80",
    b"-----BEGIN CERTIFICATE-----\n",
    b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
]


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(prefix=st.sampled_from(MAGICS), body=st.binary(max_size=1024), password=PASSWORDS)
def test_random_bytes_behind_every_magic_number(prefix: bytes, body: bytes, password: bytes | None) -> None:
    check_load(prefix + body, "random.bin", password)


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(
            [
                "-----BEGIN CERTIFICATE-----",
                "-----END CERTIFICATE-----",
                "-----BEGIN PKCS7-----",
                "-----END PKCS7-----",
                "-----BEGIN PRIVATE KEY-----",
                "-----END PRIVATE KEY-----",
                "-----BEGIN TRUSTED CERTIFICATE-----",
                "-----END TRUSTED CERTIFICATE-----",
                "-----BEGIN OPENSSH PRIVATE KEY-----",
                "-----END OPENSSH PRIVATE KEY-----",
                "Proc-Type: 4,ENCRYPTED",
                "MIIBszCCAVmgAwIBAgIUJ",
                "AAAA",
                "====",
                "Certificate:",
                "",
            ]
        ),
        max_size=12,
    ),
    password=PASSWORDS,
)
def test_shuffled_pem_markers(lines: list[str], password: bytes | None) -> None:
    check_load("\n".join(lines).encode(), "markers.pem", password)


@pytest.mark.parametrize(
    ("name", "marker", "fragment"),
    [
        # Found by this fuzzer: cryptography raises InvalidVersion / UnsupportedAlgorithm, not ValueError.
        ("request-der.csr", b"\x02\x01\x00", "certificate request (CSR) with an invalid version field"),
        ("leaf-der.pem", b"\xa0\x03\x02\x01\x02", "X.509 certificate with an invalid version field"),
        ("chain-der.p7c", b"\x06\x09\x2a", "not a certificate bundle"),
        # 'K2Vw' -> 'K2Vv' turns the Ed25519 OID into X448 with a 32-byte key: OpenSSL's InternalError.
        ("ed25519.pem", b"K2Vw", "OpenSSL rejects its key material (key setup failed)"),
    ],
)
def test_fuzzer_findings_stay_fixed(reading_dir: Path, name: str, marker: bytes, fragment: str) -> None:
    """Flip the last byte of ``marker`` (a version number, or the signed-data OID) in the real file."""
    original = (reading_dir / name).read_bytes()
    data = mutate(original, [("flip", original.index(marker) + len(marker) - 1, 1)])
    with pytest.raises(CertbenchError) as caught:
        load_material(data, path=name)
    assert fragment in caught.value.message
