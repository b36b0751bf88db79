"""Regenerate ``screenshots/*.svg``: every screen of the app over the demo workspace, fixed clock.

Run with ``make screenshots``. The demo workspace is deterministic for a given clock (packaged demo
keys, serials derived from item names), so the SVGs only change when the UI does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from certbench.core.demo import DEMO_KEY_PASSWORD, build_demo
from certbench.core.workspace import Workspace
from certbench.ui.app import JOBS, LIGHT_THEME, make_app

FIXED_NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
SIZE = (120, 36)
#: The smallest terminal the app is designed for: a second set proves every screen fits it.
SMALL_SIZE = (80, 24)
OUT = Path(__file__).resolve().parent.parent / "screenshots"
SMALL_OUT = OUT / "80x24"
#: The port of the mutual-TLS demo server the Probe screenshot connects to (on screen, so fixed).
PROBE_PORT = 8443


Prepare = Callable[[App[object], Pilot[object]], Awaitable[None]]


async def _settle(app: App[object], pilot: Pilot[object]) -> None:
    """Wait for the screen's own workers (never the DirectoryTree loader, which never completes)."""
    for _ in range(3):
        await pilot.pause(0.3)
        await app.workers.wait_for_complete([w for w in app.workers if w.group != "_directory_tree"])
    await pilot.pause(0.3)


async def inspect_partner_chain(app: App[object], pilot: Pilot[object]) -> None:
    """The support-ticket case: a partner sends their chain root first."""
    app.screen.open_paths(["partner-chain.pem"])  # type: ignore[attr-defined]


async def keystore_tpp1(app: App[object], pilot: Pilot[object]) -> None:
    """A keystore JAR for tpp1: the chain that goes in and the gateway checklist."""
    table = app.screen.query_one("#keystore-items", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index("tpp1"))


async def truststore_workspace_cas(app: App[object], pilot: Pilot[object]) -> None:
    app.screen.action_add_workspace()  # type: ignore[attr-defined]


async def create_tpp_leaf(app: App[object], pilot: Pilot[object]) -> None:
    """The form half filled: the preview shows the certificate that would be made."""
    app.screen.query_one("#create-name", Input).value = "tpp3"
    app.screen.query_one("#create-subject", Input).value = "/C=US/O=AXWAY/CN=tpp3.demo.axway.com"
    app.screen.query_one("#create-sans", Input).value = "DNS:tpp3.demo.axway.com"


async def probe_mutual_tls(app: App[object], pilot: Pilot[object]) -> None:
    """The gateway case: a server asking for client certificates of the ConnectPay root refuses tpp1."""
    screen = app.screen
    screen.query_one("#probe-client", Select).value = "tpp1"
    screen.query_one("#probe-target", Input).value = f"localhost:{PROBE_PORT}"
    screen.query_one("#probe-trust", Input).value = "ws/items/axway-root-ca/cert.pem"
    screen.action_probe()  # type: ignore[attr-defined]
    await pilot.pause(0.5)
    app.screen.query_one("#password-input", Input).value = DEMO_KEY_PASSWORD.decode()
    await pilot.press("enter")
    for _ in range(100):  # the probe waits up to 2 s for a TLS 1.3 server's verdict on the client certificate
        await pilot.pause(0.1)
        if getattr(screen, "report", None) is not None:
            break


PREPARE: dict[str, Prepare] = {
    "inspect": inspect_partner_chain,
    "keystore": keystore_tpp1,
    "truststore": truststore_workspace_cas,
    "create": create_tpp_leaf,
    "probe": probe_mutual_tls,
}


async def capture(
    mode: str,
    key: str,
    target: Path,
    *,
    theme: str | None = None,
    palette: bool = False,
    size: tuple[int, int] = SIZE,
) -> None:
    app = make_app(Path("ws"), now=FIXED_NOW, **({"theme": theme} if theme else {}))
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)
        await pilot.press(key)
        await _settle(app, pilot)
        if not palette and mode in PREPARE and theme is None:
            await PREPARE[mode](app, pilot)
            await _settle(app, pilot)
        if palette:
            await pilot.press("ctrl+p")
            await pilot.pause(0.5)
            for field in app.screen.query(Input):
                field.cursor_blink = False  # a blinking cursor would make the SVG differ run to run
            await pilot.pause(0.5)
        target.write_text(app.export_screenshot(title=f"certbench - {target.stem}"), encoding="utf-8")
    print(f"wrote {target}")


def write_partner_chain(workspace: Workspace) -> None:
    """A chain file as partners send it: root first, then the leaf (inspect reports chain.order)."""
    root = workspace.load_certificate(workspace.get("axway-root-ca"))
    leaf = workspace.load_certificate(workspace.get("tpp1"))
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (root, leaf))
    Path("partner-chain.pem").write_bytes(pem)


@contextlib.contextmanager
def mutual_tls_server(workspace: Workspace) -> Iterator[None]:
    """``openssl s_server`` on 127.0.0.1:PROBE_PORT presenting demo-server, requiring a client certificate
    issued by connectpay-root-ca; stopped on exit."""
    with socket.socket() as probe_socket:
        if probe_socket.connect_ex(("127.0.0.1", PROBE_PORT)) == 0:
            raise SystemExit(f"make_screenshots: port {PROBE_PORT} is in use; the Probe screenshot needs it")
    server = workspace.get("demo-server")
    ca = workspace.get("connectpay-root-ca")
    log = Path("s_server.log")
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{PROBE_PORT}", "-cert", str(server.cert_path),
             "-key", str(server.key_path), "-pass", "stdin", "-Verify", "1", "-verify_return_error",
             "-CAfile", str(ca.cert_path)],
            stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    assert process.stdin is not None
    process.stdin.write(DEMO_KEY_PASSWORD + b"\n")  # the demo key's documented password, never in argv
    process.stdin.flush()  # stdin stays open: at its end s_server would drop its connection
    try:
        for _ in range(100):
            if "ACCEPT" in log.read_text(errors="replace") or process.poll() is not None:
                break
            time.sleep(0.1)
        if "ACCEPT" not in log.read_text(errors="replace"):
            raise SystemExit(f"make_screenshots: openssl s_server did not start: {log.read_text(errors='replace')}")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdin.close()


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        os.environ["HOME"] = tmp  # the header shows ~/ws, the same on every run (not the temporary folder)
        workspace = Workspace.open(Path("ws"))
        build_demo(workspace, now=FIXED_NOW)
        write_partner_chain(workspace)
        with mutual_tls_server(workspace):
            for index, (mode, key, _title) in enumerate(JOBS, start=1):
                await capture(mode, key, OUT / f"{index}-{mode}.svg")
            SMALL_OUT.mkdir(exist_ok=True)
            for index, (mode, key, _title) in enumerate(JOBS, start=1):
                await capture(mode, key, SMALL_OUT / f"{index}-{mode}.svg", size=SMALL_SIZE)
        after = len(JOBS)
        await capture("workspace", "1", OUT / f"{after + 1}-workspace-light.svg", theme=LIGHT_THEME)
        await capture("workspace", "1", OUT / f"{after + 2}-command-palette.svg", palette=True)
        await capture(
            "workspace", "1", SMALL_OUT / f"{after + 1}-workspace-light.svg", theme=LIGHT_THEME, size=SMALL_SIZE
        )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
