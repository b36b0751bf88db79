"""``certbench demo``: a workspace to explore, the same every time for the same clock.

What it makes (names are workspace items):

- ``axway-root-ca``: the Axway seed's root (``/C=US/ST=Arizona/L=Phoenix/O=Axway/CN=Axway Root CA``);
- ``tpp1``, ``tpp2``: the seed's two Open Banking TPP client certificates from ``tpp1.cnf`` /
  ``tpp2.cnf``, done right (each signed from its own key: the seed signs ``tpp2.crt`` from ``tpp1.csr``);
- ``connectpay-root-ca`` + ``connectpay-client``: the ConnectPay self-signed CA and mTLS client leaf
  (750 days, RSA 2048, company name in both CNs);
- ``demo-server``: a TLS server certificate for ``localhost`` / ``127.0.0.1`` from the Axway root;
- ``expired-client``: a client certificate that expired 35 days before ``now``, to show warnings;
- bindings (seed 004): ``tpp1`` and ``tpp2`` bound to the OAuth client_ids in :data:`DEMO_BINDINGS`.

Deterministic: the keys are fixed demo keys shipped in ``certbench/core/demo_keys`` (public, never use
them for anything real), serials are derived from the item names, dates from ``now``, and the CAs sign
with RSA PKCS#1 v1.5 (deterministic signatures), so certificates are byte-identical for the same ``now``.
The private keys written into the workspace are encrypted, like every key certbench writes, with the
documented demo password :data:`DEMO_KEY_PASSWORD` (``certbench-demo``).

A workflow over the actions layer: each item is made by :func:`certbench.core.actions.issuing.create_item`
(recorded as ``create``), and the whole build is recorded once more as ``demo``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from certbench.core.actions.events import Event, record
from certbench.core.actions.issuing import Created, create_item
from certbench.core.bindings import Registry
from certbench.core.errors import IssuanceError, OutputExistsError
from certbench.core.issue import Issuer, KeySpec, Plan, Profile, Role, as_issuer_key, serial_from_name
from certbench.core.subject import parse_san, parse_subject
from certbench.core.workspace import Workspace

#: The password of every private key ``certbench demo`` writes (documented; demo material only).
DEMO_KEY_PASSWORD = b"certbench-demo"


@dataclass(frozen=True)
class DemoItem:
    name: str
    role: Role
    subject: str
    key_spec: KeySpec
    days: int
    issued_days_ago: int
    issuer: str | None = None
    profile: Profile | None = None
    sans: tuple[str, ...] = ()


_TPP_SUBJECT = (
    "/businessCategory=Third Party Provider {n}/jurisdictionC=US/serialNumber=18505934000140/C=US/O=AXWAY"
    "/ST=Arizona/L=Phoenix/OU=00000000-0000-0000-0000-000000000002/UID=00000000-0000-0000-0000-000000000002"
    "/CN=tpp{n}.demo.axway.com"
)

#: The demo set, in creation order (issuers first).
DEMO_ITEMS: tuple[DemoItem, ...] = (
    DemoItem(
        "axway-root-ca",
        Role.ROOT,
        "/C=US/ST=Arizona/L=Phoenix/O=Axway/CN=Axway Root CA",
        KeySpec.RSA_2048,
        3650,
        730,
    ),
    DemoItem(
        "tpp1",
        Role.LEAF,
        _TPP_SUBJECT.format(n=1),
        KeySpec.RSA_2048,
        730,
        30,
        "axway-root-ca",
        Profile.TPP,
        ("DNS:tpp1.demo.axway.com",),
    ),
    DemoItem(
        "tpp2",
        Role.LEAF,
        _TPP_SUBJECT.format(n=2),
        KeySpec.RSA_2048,
        730,
        30,
        "axway-root-ca",
        Profile.TPP,
        ("DNS:tpp2.demo.axway.com",),
    ),
    DemoItem(
        "demo-server",
        Role.LEAF,
        "/O=Axway/CN=localhost",
        KeySpec.EC_P256,
        397,
        10,
        "axway-root-ca",
        Profile.SERVER,
        ("DNS:localhost", "IP:127.0.0.1"),
    ),
    DemoItem(
        "expired-client",
        Role.LEAF,
        "/O=Axway/CN=old-partner-client",
        KeySpec.EC_P256,
        365,
        400,
        "axway-root-ca",
        Profile.CLIENT,
        ("DNS:old-partner.demo.axway.com",),
    ),
    DemoItem(
        "connectpay-root-ca",
        Role.ROOT,
        "/CN=MyCompany Local Root CA/O=MyCompany",
        KeySpec.RSA_2048,
        3650,
        60,
    ),
    DemoItem(
        "connectpay-client",
        Role.LEAF,
        "/CN=MyCompany-ConnectPay/O=MyCompany",
        KeySpec.RSA_2048,
        750,
        60,
        "connectpay-root-ca",
        Profile.CLIENT,
    ),
)

#: client_id -> demo item whose certificate the gateway binds to it (seed 004).
DEMO_BINDINGS: tuple[tuple[str, str], ...] = (
    ("axway-tpp-1", "tpp1"),
    ("axway-tpp-2", "tpp2"),
)


def demo_key(name: str) -> bytes:
    """The fixed demo key of item ``name`` (PKCS#8 PEM, unencrypted, public: demo only)."""
    try:
        return resources.files("certbench.core").joinpath("demo_keys", f"{name}.pem").read_bytes()
    except OSError as exc:
        raise IssuanceError(f"the demo key for {name!r} is missing from the installation ({exc})") from exc


@functools.cache
def _demo_private_key(name: str) -> CertificateIssuerPrivateKeyTypes:
    # The shipped keys were checked when generated; skipping RSA's slow consistency check keeps the
    # demo fixture (used by many screen tests) fast.
    key = serialization.load_pem_private_key(demo_key(name), password=None, unsafe_skip_rsa_key_validation=True)
    return as_issuer_key(key)


def build_demo(workspace: Workspace, *, now: datetime, overwrite: bool = False) -> list[Created]:
    """Fill ``workspace`` with the demo set; refuses existing names unless ``overwrite``."""
    if not overwrite:
        existing = [item.name for item in DEMO_ITEMS if workspace.has(item.name)]
        registry = Registry.load(workspace.bindings_path)
        existing += [f"binding {client}" for client, _item in DEMO_BINDINGS if registry.for_client(client)]
        if existing:
            raise OutputExistsError(
                f"the workspace already has demo item(s) {', '.join(existing)}; use --force to recreate them"
            )
    issuers: dict[str, Issuer] = {}
    created: list[Created] = []
    for entry in DEMO_ITEMS:
        key = _demo_private_key(entry.name)
        plan = Plan(
            entry.role,
            parse_subject(entry.subject),
            key_spec=entry.key_spec,
            days=entry.days,
            profile=entry.profile,
            sans=tuple(parse_san(s) for s in entry.sans),
        )
        issued_at = now - timedelta(days=entry.issued_days_ago)
        issuer = issuers.get(entry.issuer) if entry.issuer else None
        result = create_item(
            workspace,
            entry.name,
            plan,
            now=issued_at,
            key_password=DEMO_KEY_PASSWORD,
            issuer=issuer,
            issuer_name=entry.issuer,
            overwrite=overwrite,
            key=key,
            serial=serial_from_name(entry.name),
        )
        created.append(result)
        if entry.role in (Role.ROOT, Role.INTERMEDIATE) and result.certificate is not None:
            chain = (issuer.certificate, *issuer.chain) if issuer else ()
            issuers[entry.name] = Issuer(result.certificate, key, chain)
    _bind_demo_clients(workspace, created, now=now)
    record(workspace, Event.DEMO, now, items=[entry.name for entry in DEMO_ITEMS])
    return created


__all__ = ["DEMO_ITEMS", "DEMO_KEY_PASSWORD", "DemoItem", "build_demo", "demo_key"]


def _bind_demo_clients(workspace: Workspace, created: list[Created], *, now: datetime) -> None:
    """Record the demo bindings, replacing earlier demo bindings of the same client_ids."""
    certificates = {result.item.name: result.certificate for result in created if result.certificate is not None}
    registry = Registry.load(workspace.bindings_path)
    for client_id, item_name in DEMO_BINDINGS:
        if registry.for_client(client_id):
            registry.remove(client_id)
        registry.add(client_id, certificates[item_name], now=now, note=f"demo: workspace item {item_name}")
