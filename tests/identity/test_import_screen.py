"""The TUI flow of issue 15: a customer's .pfx (openssl, legacy RC2/3DES) -> Import dialog on the Workspace
screen -> the Keystore screen builds the gateway JAR from the new item; the JAR checked with jar and openssl.
At 80x24, the size of a plain terminal."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from textual.widgets import Checkbox, DataTable, Input, Label, Select

from certbench.core.workspace import ItemKind, Workspace
from certbench.ui.app import make_app
from certbench.ui.modals.import_identity import ImportModal
from certbench.ui.screens.keystore import KeystoreScreen
from pilot_support import until
from tool_runner import run_tool

pytestmark = pytest.mark.interop
PFX_PW = "customer1"
LEAF_EXT = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"


@pytest.fixture
def customer_pfx(tmp_path: Path) -> Path:
    """openssl: a CA, a client leaf it signed, and the customer's legacy .pfx (leaf, key, CA)."""
    assert shutil.which("openssl") and shutil.which("jar")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    (tmp_path / "leaf.ext").write_text(LEAF_EXT)
    run_tool("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Customer CA",
             "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=tmp_path)  # fmt: skip
    run_tool("openssl", "req", "-new", *ec, "-keyout", "leaf.key", "-subj", "/CN=customer-client", "-out", "leaf.csr",
             cwd=tmp_path)  # fmt: skip
    run_tool("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "365", "-extfile", "leaf.ext", "-out", "leaf.pem", cwd=tmp_path)  # fmt: skip
    run_tool("openssl", "pkcs12", "-export", "-legacy", "-inkey", "leaf.key", "-in", "leaf.pem", "-certfile", "ca.pem",
             "-out", "customer.pfx", "-passout", f"pass:{PFX_PW}", cwd=tmp_path)  # fmt: skip
    return tmp_path / "customer.pfx"


async def test_customer_pfx_to_keystore_jar(customer_pfx: Path, tmp_path: Path) -> None:
    ws_path = tmp_path / "ws"
    app = make_app(ws_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportModal))
        dialog = app.screen
        status = dialog.query_one("#import-status", Label)
        dialog.query_one("#import-file", Input).value = str(customer_pfx)
        await pilot.click("#import-file-password")
        await pilot.press(*"wrong", "enter")
        await until(pilot, lambda: "password" in str(status.render()).lower())
        assert isinstance(app.screen, ImportModal), "a wrong password keeps the dialog open"
        dialog.query_one("#import-file-password", Input).value = PFX_PW
        await pilot.click("#import-read")
        await until(pilot, lambda: "a private key and 2 certificate(s)" in str(status.render()))
        assert not dialog.query_one("#import-alias-row").has_class("-shown")  # one key: nothing to choose
        assert dialog.query_one("#import-alias", Select).is_blank()
        dialog.query_one("#import-name", Input).value = "acme"
        await pilot.click("#import-ok")
        await until(pilot, lambda: "key password" in str(status.render()))
        assert not Workspace.open(ws_path).has("acme"), "no key password choice: nothing written"
        dialog.query_one("#import-key-password", Input).value = "itempass1"
        await pilot.click("#import-key-repeat")
        await pilot.press(*"itempass1")
        assert dialog.query_one("#import-no-password", Checkbox).value is False
        await pilot.press("enter")  # Enter in a key password field imports
        await until(pilot, lambda: not isinstance(app.screen, ImportModal), why=lambda: str(status.render()))
        item = Workspace.open(ws_path).get("acme")
        assert item.kind is ItemKind.LEAF and item.key_encrypted is True

        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, KeystoreScreen) and app.screen._item == "acme")
        screen = app.screen
        assert isinstance(screen, KeystoreScreen)
        assert screen.query_one("#keystore-items", DataTable).row_count == 1
        for field, value in (("item-password", "itempass1"), ("password", "gateway11"), ("repeat", "gateway11")):
            screen.query_one(f"#keystore-{field}", Input).value = value
        await until(pilot, lambda: screen._plan is not None and screen._plan.ok and screen._plan_timer is None)
        await pilot.press("ctrl+s")
        target = ws_path / "artifacts" / "acme.jar"
        await until(pilot, lambda: target.is_file())

    listing = run_tool("jar", "tf", target, cwd=tmp_path).decode().split()
    assert listing[:2] == ["META-INF/MANIFEST.MF", "META-INF/descriptor.properties"] and len(listing) == 4
    [chain_name] = [n for n in listing[2:] if not n.endswith("Key.pem")]
    with zipfile.ZipFile(target) as archive:
        chain = archive.read(chain_name)
        key = archive.read(next(n for n in listing if n.endswith("Key.pem")))
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", chain, re.S)
    assert len(blocks) == 2
    (tmp_path / "from-jar.pem").write_bytes(blocks[0])
    (tmp_path / "from-jar.key").write_bytes(key)
    assert b"OK" in run_tool("openssl", "verify", "-CAfile", "ca.pem", "from-jar.pem", cwd=tmp_path)
    jar_pub = run_tool("openssl", "pkey", "-in", "from-jar.key", "-passin", "pass:gateway11", "-pubout", cwd=tmp_path)
    assert jar_pub == run_tool("openssl", "pkey", "-in", "leaf.key", "-pubout", cwd=tmp_path)


async def test_a_keystore_with_two_entries_asks_which_one(tmp_path: Path) -> None:
    """keytool: a JKS with entries 'one' and 'two'; the dialog lists both and imports the chosen one."""
    jks = ["-keystore", "two.jks", "-storetype", "JKS", "-storepass", PFX_PW, "-keypass", PFX_PW]
    for alias, cn in (("one", "CN=first"), ("two", "CN=second")):
        run_tool("keytool", "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                 "-dname", cn, *jks, cwd=tmp_path)  # fmt: skip
    ws_path = tmp_path / "ws"
    app = make_app(ws_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportModal))
        dialog = app.screen
        status = dialog.query_one("#import-status", Label)
        dialog.query_one("#import-file", Input).value = str(tmp_path / "two.jks")
        await pilot.click("#import-file-password")
        await pilot.press(*PFX_PW, "enter")
        await until(pilot, lambda: "2 key entries" in str(status.render()))
        assert dialog.query_one("#import-alias-row").has_class("-shown")
        dialog.query_one("#import-no-password", Checkbox).value = True
        await pilot.click("#import-name")
        await pilot.press("enter")
        await until(pilot, lambda: "Choose the key entry" in str(status.render()))
        dialog.query_one("#import-alias", Select).value = "two"
        await until(pilot, lambda: dialog.query_one("#import-name", Input).value == "two")
        await pilot.click("#import-name")
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, ImportModal), why=lambda: str(status.render()))
    item = Workspace.open(ws_path).get("two")
    assert item.subject == "CN=second" and item.key_encrypted is False
    assert oct(item.key_path.stat().st_mode & 0o777) == "0o600"
