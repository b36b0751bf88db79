"""Inspect on a file of hundreds of certificates: the tables fill in steps (the UI thread never holds a
whole fill), the analysis is the same as the core's, and the cycle collector is paused only while the
worker builds it. Behaviour, not timing: figures are in benchmarks/bench_tui_analysis.py and the README.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from inspect_material import CA_CNF
from textual.widgets import DataTable, Static

import certbench.ui.screens.inspect as screen_module
from certbench.core.actions.inspect import inspect_files
from certbench.core.workspace import Workspace
from certbench.ui.app import CertbenchApp, make_app
from certbench.ui.screens.inspect import InspectScreen
from certbench.ui.widgets.chain_view import ChainView
from certbench.ui.widgets.tables import ROW_BATCH
from conftest import FIXED_NOW
from openssl_ca import ca_database
from pilot_support import until
from tool_runner import run_tool

#: Leaves in the big bundle: with its root, three steps of the certificate table's fill.
LEAVES = 2 * ROW_BATCH + 50


@pytest.fixture(scope="module")
def big_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root CA and LEAVES leaves it signed (one key, one request, serials 1001...), made by
    ``openssl ca`` in one run; the leaves come first in the file, the root last."""
    directory = tmp_path_factory.mktemp("big-bundle")
    ca_dir = directory / "ca"
    ca_database(ca_dir)
    cnf = directory / "ca.cnf"
    cnf.write_text(CA_CNF.format(dir=ca_dir))

    def openssl(*args: str | Path) -> None:
        run_tool("openssl", *args, cwd=directory)

    for stem in ("root", "leaf"):
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f"{stem}.key")
    openssl("req", "-new", "-config", cnf, "-key", "root.key", "-subj", "/O=Big/CN=Big Root CA", "-out", "root.csr")
    openssl(
        "req", "-new", "-config", cnf, "-key", "leaf.key", "-subj", "/O=Big/CN=client.big.example", "-out", "leaf.csr"
    )
    common = ("-batch", "-notext", "-config", cnf, "-keyfile", "root.key", "-md", "sha256")
    openssl(
        "ca",
        *common,
        "-selfsign",
        "-extensions",
        "v3_ca",
        "-startdate",
        "20250101000000Z",
        "-enddate",
        "20350101000000Z",
        "-in",
        "root.csr",
        "-out",
        "root.pem",
    )
    openssl(
        "ca",
        *common,
        "-cert",
        "root.pem",
        "-extensions",
        "v3_leaf",
        "-startdate",
        "20250601000000Z",
        "-enddate",
        "20270601000000Z",
        "-out",
        "leaves.pem",
        "-infiles",
        *["leaf.csr"] * LEAVES,
    )
    # openssl 3.0 writes only the last certificate of -infiles to -out; new_certs_dir holds them all.
    leaves = sorted((ca_dir / "newcerts").glob("*.pem"))[1:]  # serial 1000 is the root
    assert len(leaves) == LEAVES
    bundle = directory / "big.pem"
    bundle.write_bytes(b"".join(path.read_bytes() for path in leaves) + (directory / "root.pem").read_bytes())
    return bundle


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    Workspace.open(tmp_path / "ws")
    return tmp_path / "ws"


async def open_inspect(app: CertbenchApp, pilot: object) -> InspectScreen:
    await pilot.press("2")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, InspectScreen))  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, InspectScreen)
    return screen


async def test_big_file_fills_the_tables_in_steps(
    ws_path: Path, big_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after the analysis arrives the table holds one step of rows, not all; then it completes, in
    the analysis' order, the best chain's leaf highlighted and described, the pane title counting all."""
    seen_after_show: list[int] = []
    show = ChainView.show

    def recording_show(self: ChainView, *args: object) -> None:
        show(self, *args)  # type: ignore[arg-type]
        seen_after_show.append(self.certs.row_count)

    monkeypatch.setattr(ChainView, "show", recording_show)
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        view = screen.query_one(ChainView)
        certs = screen.query_one("#inspect-certs", DataTable)
        screen.open_paths([str(big_bundle)])
        await until(pilot, lambda: bool(seen_after_show), timeout=120)
        assert seen_after_show == [ROW_BATCH]  # the first step only: the rest follows between frames
        await until(pilot, lambda: certs.row_count == LEAVES + 1 and not view.filling, timeout=120)
        analysis = screen.analysis
        assert analysis is not None
        assert [str(key.value) for key in certs.rows] == [key for key, _ in analysis.rows]
        assert certs.border_title == f"Certificates ({LEAVES + 1})"
        leaf = analysis.report.chains[0].leaf
        assert view.highlighted_id() == leaf
        details = str(screen.query_one("#inspect-details", Static).render())
        assert leaf in details and "client.big.example" in details
        findings = screen.query_one("#inspect-findings", DataTable)
        assert findings.row_count == len(analysis.report.findings)


async def test_big_file_analysis_matches_the_core(ws_path: Path, big_bundle: Path) -> None:
    """The screen's analysis of the big file is the core's: every certificate, every leaf chained to
    the root (complete), the same findings, one table row per certificate with its name and days left."""
    expected = inspect_files([str(big_bundle)], {}, now=FIXED_NOW).report
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        view = screen.query_one(ChainView)
        screen.open_paths([str(big_bundle)])
        await until(pilot, lambda: screen.analysis is not None and not view.filling, timeout=120)
        analysis = screen.analysis
    assert analysis is not None
    report = analysis.report
    assert len(report.certificates) == len(expected.certificates) == LEAVES + 1
    assert len(report.chains) == LEAVES and all(chain.complete for chain in report.chains)
    assert [(f.code, f.message) for f in report.findings] == [(f.code, f.message) for f in expected.findings]
    names = [str(cells[1]) for _, cells in analysis.rows]
    assert names.count("client.big.example") == LEAVES and names.count("Big Root CA") == 1
    assert analysis.widths and analysis.findings is not None  # built in the worker


async def test_collector_paused_while_analysing_and_restored_after(
    ws_path: Path, big_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Automatic collections are off while the worker analyses (a collection over its objects held the
    GIL for up to a second) and on again after; what it built stays out of collections until the files
    are closed."""
    states: list[bool] = []
    original = screen_module.inspect_files

    def recording(*args: object, **kwargs: object) -> object:
        states.append(gc.isenabled())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(screen_module, "inspect_files", recording)
    gc.unfreeze()
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        view = screen.query_one(ChainView)
        screen.open_paths([str(big_bundle)])
        await until(pilot, lambda: screen.analysis is not None and not view.filling, timeout=120)
        assert states == [False]
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        await pilot.press("escape", "ctrl+l")
        await until(pilot, lambda: screen.analysis is None)
        assert gc.get_freeze_count() == 0
        assert gc.isenabled()


async def test_the_fill_completes_when_timers_start_late(
    ws_path: Path, big_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a loaded machine a timer task can start later than its own delay; Textual then skips a one-shot
    timer for good. The fill does not depend on one: it completes with every Textual timer late."""
    import sys
    import types

    import textual.timer

    real = textual.timer._time

    def late() -> float:
        # Timer._run reads its start, then "now" to see whether its first tick is already past. Every
        # reading after the start is 50 ms late here, as when the machine is busy between the two: a
        # one-shot timer (set_timer) then skips its only tick and never fires; interval timers go on.
        caller = sys._getframe(1)
        return real.get_time() + (0.05 if "start" in caller.f_locals else 0.0)

    monkeypatch.setattr(textual.timer, "_time", types.SimpleNamespace(get_time=late))
    app = make_app(ws_path, now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inspect(app, pilot)
        view = screen.query_one(ChainView)
        certs = screen.query_one("#inspect-certs", DataTable)
        screen.open_paths([str(big_bundle)])
        await until(pilot, lambda: screen.analysis is not None, timeout=120)
        await until(pilot, lambda: not view.filling, timeout=30, why=lambda: f"({certs.row_count} rows)")
        assert certs.row_count == LEAVES + 1
