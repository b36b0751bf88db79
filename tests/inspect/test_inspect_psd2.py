"""PSD2 roles are decoded from QCStatements with an ASN.1 library: openssl-encoded statements, and any bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certbench.core.psd2 import psd2_roles_from_qc_statements
from tool_runner import run_tool

QC_STATEMENTS = """
asn1 = SEQUENCE:qcstatements
[ qcstatements ]
compliance = SEQUENCE:compliance
psd2 = SEQUENCE:psd2stmt
[ compliance ]
id = OID:0.4.0.1862.1.1
[ psd2stmt ]
id = OID:0.4.0.19495.2
info = SEQUENCE:psd2type
[ psd2type ]
roles = SEQUENCE:roles
nca = UTF8:Federal Financial Supervisory Authority
ncaid = UTF8:DE-BAFIN
[ roles ]
r1 = SEQUENCE:role_as
r2 = SEQUENCE:role_future
r3 = SEQUENCE:role_as
[ role_as ]
oid = OID:0.4.0.19495.1.1
name = UTF8:PSP_AS
[ role_future ]
oid = OID:0.4.0.19495.1.9
name = UTF8:PSP_NEW
"""


@pytest.fixture(scope="module")
def qc_statements_der(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """QCStatements (an ETSI compliance statement, then PSD2 with a repeated and an unknown role) by openssl."""
    directory = tmp_path_factory.mktemp("qc")
    (directory / "qc.cnf").write_text(QC_STATEMENTS)
    run_tool("openssl", "asn1parse", "-genconf", "qc.cnf", "-out", "qc.der", "-noout", cwd=directory)
    return (directory / "qc.der").read_bytes()


def test_roles_are_read_after_other_statements_once_each_unknown_ones_by_oid(qc_statements_der: bytes) -> None:
    assert psd2_roles_from_qc_statements(qc_statements_der) == ("PSP_AS (account servicing)", "0.4.0.19495.1.9")


def test_a_cut_statement_has_no_roles(qc_statements_der: bytes) -> None:
    assert psd2_roles_from_qc_statements(qc_statements_der[:-7]) == ()


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_bytes_give_roles_or_nothing_never_an_error(qc_statements_der: bytes, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(qc_statements_der) - 1))
    mutated = bytearray(qc_statements_der)
    mutated[position] = data.draw(st.integers(0, 255))
    for candidate in (bytes(mutated), data.draw(st.binary(max_size=200))):
        roles = psd2_roles_from_qc_statements(candidate)
        assert isinstance(roles, tuple) and all(isinstance(role, str) for role in roles)
