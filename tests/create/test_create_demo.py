"""certbench demo: the set the issue lists, deterministic for the same clock, correct pairs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from create_material import openssl
from cryptography import x509

from certbench.core.bindings import Registry
from certbench.core.demo import DEMO_BINDINGS, DEMO_ITEMS, DEMO_KEY_PASSWORD, build_demo
from certbench.core.errors import OutputExistsError
from certbench.core.issue import check_key_matches
from certbench.core.workspace import Workspace
from conftest import FIXED_NOW


def _certificates(workspace: Workspace) -> dict[str, bytes]:
    return {item.name: item.cert_path.read_bytes() for item in workspace.list_items()}


def test_same_clock_same_certificates(tmp_path: Path, demo_workspace: Workspace) -> None:
    again = Workspace.open(tmp_path / "again")
    build_demo(again, now=FIXED_NOW)
    assert _certificates(again) == _certificates(demo_workspace)
    later = Workspace.open(tmp_path / "later")
    build_demo(later, now=FIXED_NOW + timedelta(days=1))
    assert _certificates(later)["tpp1"] != _certificates(demo_workspace)["tpp1"]


def test_the_demo_set(demo_workspace: Workspace) -> None:
    items = {item.name: item for item in demo_workspace.list_items()}
    assert set(items) == {entry.name for entry in DEMO_ITEMS}
    assert items["axway-root-ca"].kind.value == "ca" and items["connectpay-root-ca"].kind.value == "ca"
    assert items["tpp1"].issuer == items["tpp2"].issuer == "axway-root-ca"
    assert items["connectpay-client"].issuer == "connectpay-root-ca"
    expired = items["expired-client"]
    assert expired.days_left(FIXED_NOW) is not None and expired.days_left(FIXED_NOW) < 0
    assert all(item.days_left(FIXED_NOW) > 0 for name, item in items.items() if name != "expired-client")
    assert all(item.key_encrypted for item in items.values())
    connectpay = demo_workspace.load_certificate(items["connectpay-client"])
    # ConnectPay: 1-3 years, RSA 2048, company name in both CNs
    days = (connectpay.not_valid_after_utc - connectpay.not_valid_before_utc).days
    assert 365 <= days <= 1095 and connectpay.public_key().key_size == 2048
    assert "MyCompany" in items["connectpay-client"].subject and "MyCompany" in items["connectpay-root-ca"].subject


def test_tpp_pairs_done_right(demo_workspace: Workspace) -> None:
    """Unlike the seed (tpp2.crt signed from tpp1.csr), each key belongs to its own certificate."""
    for name in ("tpp1", "tpp2"):
        item = demo_workspace.get(name)
        certificate = demo_workspace.load_certificate(item)
        key = demo_workspace.load_private_key(item, DEMO_KEY_PASSWORD)
        check_key_matches(certificate, key)
        sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.DNSName) == [f"{name}.demo.axway.com"]


@pytest.mark.interop
def test_openssl_accepts_the_demo(demo_workspace: Workspace) -> None:
    attime = str(int((FIXED_NOW + timedelta(hours=1)).timestamp()))
    items = demo_workspace.items_dir
    for leaf, root in (("tpp1", "axway-root-ca"), ("demo-server", "axway-root-ca"),
                       ("connectpay-client", "connectpay-root-ca")):  # fmt: skip
        result = openssl("verify", "-attime", attime, "-CAfile", str(items / root / "cert.pem"),
                         str(items / leaf / "cert.pem"))  # fmt: skip
        assert result.returncode == 0, (leaf, result.stderr)
    expired = openssl("verify", "-attime", attime, "-CAfile", str(items / "axway-root-ca" / "cert.pem"),
                      str(items / "expired-client" / "cert.pem"))  # fmt: skip
    assert expired.returncode != 0 and b"expired" in expired.stdout + expired.stderr
    key = openssl("pkey", "-in", str(items / "tpp1" / "key.pem"), "-passin", "pass:" + DEMO_KEY_PASSWORD.decode(),
                  "-noout")  # fmt: skip
    assert key.returncode == 0, key.stderr


def test_demo_refuses_to_overwrite_without_force(demo_workspace: Workspace) -> None:
    before = _certificates(demo_workspace)
    with pytest.raises(OutputExistsError, match="--force"):
        build_demo(demo_workspace, now=FIXED_NOW + timedelta(days=3))
    assert _certificates(demo_workspace) == before
    build_demo(demo_workspace, now=FIXED_NOW + timedelta(days=3), overwrite=True)
    assert _certificates(demo_workspace) != before


def test_demo_binds_the_tpp_clients(demo_workspace: Workspace) -> None:
    registry = Registry.load(demo_workspace.bindings_path)
    assert sorted(b.client_id for b in registry.bindings) == sorted(client for client, _item in DEMO_BINDINGS)
    for client_id, item_name in DEMO_BINDINGS:
        certificate = demo_workspace.load_certificate(demo_workspace.get(item_name))
        assert registry.check(client_id, certificate, now=FIXED_NOW).matched
    # Recreating the demo replaces its own bindings instead of refusing them as "bound elsewhere".
    build_demo(demo_workspace, now=FIXED_NOW, overwrite=True)
    assert len(Registry.load(demo_workspace.bindings_path).bindings) == len(DEMO_BINDINGS)
