"""The one role labeller: what a certificate is in a chain report (leaf, intermediate, root, ...).

Used by ``certbench inspect`` (and ``probe``, which prints the same chain), the Inspect and Probe screens'
chain table, and the Keystore screen's chain. A self-issued certificate is called the root only at the
end of a *complete* chain: at the end of an incomplete one it is an intermediate whose issuer is missing.
A chain that starts with a CA certificate (an intermediate and its root, inspected without a leaf)
starts with ``CA``, not ``leaf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from cryptography import x509

from certbench.core.chain import ChainInfo, ChainReport
from certbench.core.describe import is_ca


class Role(StrEnum):
    """A certificate's role, as shown to the user."""

    LEAF = "leaf"
    #: The first certificate of a chain when it is itself a CA (a CA certificate inspected on its own).
    CA = "CA"
    INTERMEDIATE = "intermediate"
    ROOT = "root"
    #: Given as a trust anchor (``--trust``) and in no chain of the input.
    TRUST_ANCHOR = "trust anchor"
    #: In the input but in no chain (it neither issued nor was issued by the others).
    UNRELATED = "unrelated"


def role_at(certificate: x509.Certificate, depth: int, length: int, *, complete: bool) -> Role:
    """The role of ``certificate`` at ``depth`` (0 = first) in a chain of ``length`` certificates."""
    if depth == 0 and not is_ca(certificate):
        return Role.LEAF  # a self-signed end-entity certificate is a leaf, not a root
    if depth == length - 1 and complete and certificate.subject == certificate.issuer:
        return Role.ROOT
    return Role.CA if depth == 0 else Role.INTERMEDIATE


def chain_roles(certificates: Sequence[x509.Certificate], *, complete: bool) -> list[Role]:
    """The roles along one chain (first certificate first)."""
    return [role_at(c, depth, len(certificates), complete=complete) for depth, c in enumerate(certificates)]


def roles_in(report: ChainReport, chain: ChainInfo) -> list[Role]:
    """The roles along one of ``report``'s chains."""
    certificates = [report.entry(cert_id).certificate for cert_id in chain.certificates]
    return chain_roles(certificates, complete=chain.complete)


def certificate_roles(report: ChainReport) -> dict[str, Role]:
    """Every certificate's role, by id: its role in the first chain it is in (the primary chain first),
    else trust anchor or unrelated."""
    roles: dict[str, Role] = {}
    for chain in report.chains:
        for cert_id, role in zip(chain.certificates, roles_in(report, chain), strict=True):
            roles.setdefault(cert_id, role)
    for entry in report.certificates:
        roles.setdefault(entry.id, Role.TRUST_ANCHOR if entry.source == "trust" else Role.UNRELATED)
    return roles
