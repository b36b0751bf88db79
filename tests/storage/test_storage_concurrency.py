"""Issue 11 §1: many real certbench processes on one workspace lose nothing and never mix an item."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from storage_support import (
    assert_item_consistent,
    certbench_command,
    cli_env,
    hidden_entries,
    make_self_signed,
    run_parallel,
)

from tool_runner import run_tool

pytestmark = pytest.mark.slow

WRITERS = 24


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    return tmp_path / "ws"


def test_parallel_bind_add_keeps_every_binding(tmp_path: Path, workspace_dir: Path) -> None:
    certs = [make_self_signed(tmp_path, f"client{n}") for n in range(WRITERS)]
    results = run_parallel(
        [certbench_command(workspace_dir, "bind", "add", f"client{n}", str(certs[n])) for n in range(WRITERS)]
    )
    assert [r.returncode for r in results] == [0] * WRITERS, [r.stderr for r in results if r.returncode]
    listed = subprocess.run(
        certbench_command(workspace_dir, "bind", "list", "--json"), capture_output=True, text=True, env=cli_env()
    )
    assert sorted(b["client_id"] for b in json.loads(listed.stdout)) == sorted(f"client{n}" for n in range(WRITERS))
    audit = [json.loads(line) for line in (workspace_dir / "audit.log").read_text().splitlines()]
    assert sum(1 for entry in audit if entry["action"] == "bind.add") == WRITERS
    assert hidden_entries(workspace_dir) == []


def test_parallel_bind_remove_removes_each_one(tmp_path: Path, workspace_dir: Path) -> None:
    count = 12
    for n in range(count):
        cert = make_self_signed(tmp_path, f"client{n}")
        subprocess.run(
            certbench_command(workspace_dir, "bind", "add", f"client{n}", str(cert)),
            check=True,
            env=cli_env(),
            capture_output=True,
        )
    results = run_parallel(
        [certbench_command(workspace_dir, "bind", "remove", f"client{n}") for n in range(0, count, 2)]
    )
    assert [r.returncode for r in results] == [0] * (count // 2), [r.stderr for r in results]
    listed = subprocess.run(
        certbench_command(workspace_dir, "bind", "list", "--json"), capture_output=True, text=True, env=cli_env()
    )
    assert sorted(b["client_id"] for b in json.loads(listed.stdout)) == sorted(f"client{n}" for n in range(1, count, 2))


def test_one_certificate_one_client_id_across_processes(tmp_path: Path, workspace_dir: Path) -> None:
    cert = make_self_signed(tmp_path, "shared")
    # A PKCS#12 with a slow key derivation keeps each process busy between reading and writing the registry.
    bundle = tmp_path / "shared.p12"
    run_tool(
        "openssl", "pkcs12", "-export", "-in", cert, "-inkey", tmp_path / "shared.key", "-out", bundle,
        "-passout", "pass:race", "-iter", "300000", cwd=tmp_path,
    )  # fmt: skip
    commands = [
        certbench_command(workspace_dir, "bind", "add", f"client{n}", str(bundle), "--password-env", "P12_PASSWORD")
        for n in range(WRITERS)
    ]
    results = run_parallel(commands, env=cli_env(P12_PASSWORD="race"))
    winners = [r for r in results if r.returncode == 0]
    assert len(winners) == 1, [r.stdout for r in winners]
    for loser in (r for r in results if r.returncode != 0):
        assert loser.returncode == 2
        assert loser.stderr.count("\n") == 1 and "already bound to client_id" in loser.stderr
    listed = subprocess.run(
        certbench_command(workspace_dir, "bind", "list", "--json"), capture_output=True, text=True, env=cli_env()
    )
    assert len(json.loads(listed.stdout)) == 1


def test_parallel_force_replace_ends_with_one_whole_item(workspace_dir: Path) -> None:
    subprocess.run(
        certbench_command(
            workspace_dir, "ca", "create", "root", "--subject", "CN=Race Root", "--key", "ec:p256", "--no-key-password"
        ),
        check=True,
        capture_output=True,
        env=cli_env(),
    )
    writers = [
        certbench_command(
            workspace_dir,
            "cert",
            "create",
            "same",
            "--issuer",
            "root",
            "--subject",
            f"CN=writer {n}",
            "--key",
            "ec:p256",
            "--no-key-password",
            "--force",
        )
        for n in range(WRITERS)
    ]
    readers = [certbench_command(workspace_dir, "list", "--json") for _ in range(8)]
    results = run_parallel(writers + readers, env=cli_env(CERTBENCH_LOCK_TIMEOUT="120"))
    for result in results:
        assert result.returncode == 0 or (result.returncode == 2 and "busy" in result.stderr), result.stderr
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert sum(1 for r in results[:WRITERS] if r.returncode == 0) >= 1
    meta = assert_item_consistent(workspace_dir / "items" / "same")
    assert str(meta["subject"]).startswith("CN=writer ")
    assert hidden_entries(workspace_dir / "items") == []
    for listing in results[WRITERS:]:
        names = [entry["name"] for entry in json.loads(listing.stdout)]
        assert "root" in names and all("damaged" not in entry for entry in json.loads(listing.stdout))


def test_busy_lock_is_one_line_naming_the_holder(tmp_path: Path, workspace_dir: Path) -> None:
    cert = make_self_signed(tmp_path, "client")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from certbench.core.workspace import Workspace\n"
            f"ws = Workspace.open({str(workspace_dir)!r})\n"
            "with ws.lock('test holder'):\n    print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = subprocess.run(
            certbench_command(workspace_dir, "bind", "add", "client", str(cert)),
            capture_output=True,
            text=True,
            env=cli_env(CERTBENCH_LOCK_TIMEOUT="0.5"),
        )
    finally:
        holder.communicate("")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "busy" in result.stderr and f"pid {holder.pid} (test holder)" in result.stderr
    # Once the holder is gone, the same command goes through.
    again = subprocess.run(
        certbench_command(workspace_dir, "bind", "add", "client", str(cert)),
        capture_output=True,
        text=True,
        env=cli_env(),
    )
    assert again.returncode == 0, again.stderr
