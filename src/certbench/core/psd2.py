"""PSD2 roles from a certificate's QCStatements (ETSI TS 119 495), decoded with pyasn1's RFC 3739 module."""

from __future__ import annotations

from pyasn1.codec.der import decoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import char, namedtype, univ
from pyasn1_modules import rfc3739

#: The PSD2 QCStatement (ETSI TS 119 495 section 5.1) and its role OIDs.
PSD2_QC_STATEMENT_OID = "0.4.0.19495.2"
PSD2_ROLE_NAMES: dict[str, str] = {
    "0.4.0.19495.1.1": "PSP_AS (account servicing)",
    "0.4.0.19495.1.2": "PSP_PI (payment initiation)",
    "0.4.0.19495.1.3": "PSP_AI (account information)",
    "0.4.0.19495.1.4": "PSP_IC (card-based payment instruments)",
}


class _RoleOfPSP(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("roleOfPspOid", univ.ObjectIdentifier()),
        namedtype.NamedType("roleOfPspName", char.UTF8String()),
    )


class _RolesOfPSP(univ.SequenceOf):
    componentType = _RoleOfPSP()


class _PSD2QcType(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("rolesOfPSP", _RolesOfPSP()),
        namedtype.NamedType("nCAName", char.UTF8String()),
        namedtype.NamedType("nCAId", char.UTF8String()),
    )


def psd2_roles_from_qc_statements(der: bytes) -> tuple[str, ...]:
    """Role labels (``PSP_PI (payment initiation)``...) in the DER of a QCStatements extension value.

    A malformed extension, or one without a PSD2 statement, has no roles: describing never fails on it.
    """
    try:
        statements, _ = decoder.decode(der, asn1Spec=rfc3739.QCStatements())
        roles: list[str] = []
        for statement in statements:
            if str(statement["statementId"]) != PSD2_QC_STATEMENT_OID or not statement["statementInfo"].isValue:
                continue
            info, _ = decoder.decode(bytes(statement["statementInfo"]), asn1Spec=_PSD2QcType())
            for role in info["rolesOfPSP"]:
                oid = str(role["roleOfPspOid"])
                label = PSD2_ROLE_NAMES.get(oid, oid)
                if label not in roles:
                    roles.append(label)
        return tuple(roles)
    except (PyAsn1Error, ValueError, TypeError):
        return ()
