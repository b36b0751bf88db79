"""Make CA and leaf pairs, CSRs and signatures correctly, and check them before anything is written.

The rules the partners' recipes rely on are built in rather than left to a config file:

- serials are random positive 128-bit numbers (``openssl rand -hex 16``);
- SKI and AKI are always present; basic constraints are always critical;
- a CA gets ``keyCertSign, cRLSign`` and never a TLS extended key usage; a leaf never gets ``CA:TRUE``;
- leaf key usage is ``digitalSignature`` (+ ``keyEncipherment`` for RSA, as the seed's ``tpp1.cnf``);
- leaf EKU comes from the profile: ``client`` (clientAuth), ``server`` (serverAuth, SAN required),
  ``client-server`` (both, SAN required), ``tpp`` (Open Banking third party: clientAuth, RSA, SAN DNS,
  eIDAS subject attributes);
- the key that signs the request is the key whose certificate is issued (``sign_csr`` takes the
  public key from the CSR after checking its signature), so the Axway seed's "tpp2.crt from tpp1.csr"
  mismatch cannot happen; :func:`check_key_matches` refuses it when a certificate is stored beside a key.

Every new certificate is validated with ``cryptography.x509.verification`` for its purpose with its
CA as the anchor (a CA through a throw-away probe leaf) before a caller writes it.

The package is split along its seams: ``keys``, ``profiles``, ``plans``, ``builders``, ``csrs`` and
``preflight`` (checks before writing); this module is its API. It is pure: the workflows that store what
it makes in the workspace (create, sign, complete a CSR item) are :mod:`certbench.core.actions.issuing`.
"""

from __future__ import annotations

from certbench.core.issue.builders import issue_intermediate_ca, issue_leaf, issue_root_ca, renew_leaf
from certbench.core.issue.csrs import CsrRequest, create_csr, read_csr_request, sign_csr
from certbench.core.issue.keys import (
    KeySpec,
    as_issuer_key,
    generate_key,
    key_spec_of,
    key_spec_of_public,
    parse_key_spec,
    serialize_private_key,
)
from certbench.core.issue.plans import (
    DEFAULT_CA_DAYS,
    DEFAULT_LEAF_DAYS,
    Plan,
    describe_plan,
    validate_plan,
)
from certbench.core.issue.preflight import check_issued, check_key_matches
from certbench.core.issue.primitives import MAX_DAYS, MIN_DAYS, Issued, Issuer, random_serial, serial_from_name
from certbench.core.issue.profiles import LEAF_PROFILES, PROFILE_HELP, Profile, Role, ekus_for, parse_profile

__all__ = [
    "DEFAULT_CA_DAYS",
    "DEFAULT_LEAF_DAYS",
    "LEAF_PROFILES",
    "MAX_DAYS",
    "MIN_DAYS",
    "PROFILE_HELP",
    "CsrRequest",
    "Issued",
    "Issuer",
    "KeySpec",
    "Plan",
    "Profile",
    "Role",
    "as_issuer_key",
    "check_issued",
    "check_key_matches",
    "create_csr",
    "describe_plan",
    "ekus_for",
    "generate_key",
    "issue_intermediate_ca",
    "issue_leaf",
    "issue_root_ca",
    "key_spec_of",
    "key_spec_of_public",
    "parse_key_spec",
    "parse_profile",
    "random_serial",
    "read_csr_request",
    "renew_leaf",
    "serial_from_name",
    "serialize_private_key",
    "sign_csr",
    "validate_plan",
]
