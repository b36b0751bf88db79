"""Leaf profiles (client, server, client-server, tpp), their EKUs, and the roles an item can have."""

from __future__ import annotations

from enum import StrEnum

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from certbench.core.errors import UsageError


class Profile(StrEnum):
    """Leaf certificate profiles (and ``intermediate`` for signing a sub-CA CSR)."""

    CLIENT = "client"
    SERVER = "server"
    CLIENT_SERVER = "client-server"
    TPP = "tpp"
    INTERMEDIATE = "intermediate"


LEAF_PROFILES = (Profile.CLIENT, Profile.SERVER, Profile.CLIENT_SERVER, Profile.TPP)


PROFILE_HELP = {
    Profile.CLIENT: "TLS client (mutual TLS): clientAuth",
    Profile.SERVER: "TLS server: serverAuth, SAN required",
    Profile.CLIENT_SERVER: "TLS client and server: clientAuth + serverAuth, SAN required",
    Profile.TPP: "Open Banking third party (seed tpp1.cnf): clientAuth, RSA, SAN DNS, eIDAS subject",
    Profile.INTERMEDIATE: "intermediate CA (signing a sub-CA CSR): keyCertSign, cRLSign, pathlen 0",
}


def parse_profile(text: str, *, allow_intermediate: bool = False) -> Profile:
    try:
        profile = Profile(text.strip().lower())
    except ValueError:
        profile = None
    allowed = list(LEAF_PROFILES) + ([Profile.INTERMEDIATE] if allow_intermediate else [])
    if profile is None or profile not in allowed:
        raise UsageError(f"profile {text!r} is not one of: {', '.join(p.value for p in allowed)}")
    return profile


class Role(StrEnum):
    """What is being made."""

    ROOT = "root"
    INTERMEDIATE = "intermediate"
    LEAF = "leaf"
    CSR = "csr"


def ekus_for(profile: Profile) -> tuple[x509.ObjectIdentifier, ...]:
    if profile in (Profile.CLIENT, Profile.TPP):
        return (ExtendedKeyUsageOID.CLIENT_AUTH,)
    if profile is Profile.SERVER:
        return (ExtendedKeyUsageOID.SERVER_AUTH,)
    if profile is Profile.CLIENT_SERVER:
        return (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH)
    return ()


def profile_needs_san(profile: Profile) -> bool:
    return profile in (Profile.SERVER, Profile.CLIENT_SERVER, Profile.TPP)
