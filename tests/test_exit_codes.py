"""The exit-code contract holds for every value of the time and day options (issue 11, §6).

Out-of-range timestamps and day counts, and a bad ``$CERTBENCH_NOW``, are usage errors: exit 2 with one
``certbench: error:`` line, never exit 70 or a traceback. Hypothesis drives ``--at``/``--days``/``--within``
through the real argument parsers.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tool_runner import run_tool


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exit-codes")
    run_tool(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=Exit Code CA",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    return folder / "ca.pem"


def assert_usage_error(code: int, out: str, err: str) -> None:
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and err.startswith("certbench: error: "), err
    assert "internal error" not in err and "Traceback" not in err


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_at_outside_utc_years_is_a_usage_error(run_cli, cert: Path, tmp_path: Path, at: str) -> None:  # type: ignore[no-untyped-def]
    ws = ("--workspace", str(tmp_path / "ws"))
    assert_usage_error(*run_cli(*ws, "inspect", str(cert), "--at", at))
    assert_usage_error(*run_cli(*ws, "verify", str(cert), "--trust", str(cert), "--at", at))
    code, out, err = run_cli(*ws, "list", env={"CERTBENCH_NOW": at})
    assert_usage_error(code, out, err)
    assert "CERTBENCH_NOW" in err


@pytest.mark.parametrize(
    "command",
    [
        ("trust", "diff", "{cert}", "{cert}", "--days", "999999999999"),
        ("trust", "list", "{cert}", "--days", "999999999999"),
        ("trust", "list", "{cert}", "--days", "-1"),
        ("expiring", "--within", "999999999999"),
    ],
)
def test_day_windows_out_of_range_are_usage_errors(
    run_cli, cert: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    args = [part.format(cert=cert) for part in command]
    assert_usage_error(*run_cli("--workspace", str(tmp_path / "ws"), *args))


def test_bad_certbench_now_is_one_line_exit_2(tmp_path: Path) -> None:
    """The clock is read before any command runs: it once escaped the error handling as a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "certbench", "--workspace", str(tmp_path / "ws"), "list"],
        capture_output=True,
        text=True,
        env={"CERTBENCH_NOW": "garbage", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert_usage_error(result.returncode, result.stdout, result.stderr)
    assert "CERTBENCH_NOW: 'garbage' is not an ISO 8601 timestamp" in result.stderr


timestamps = st.one_of(
    st.builds(
        lambda when, minutes: when.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
        st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1),
    ),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(lambda d: d.isoformat() + "Z"),
    st.text(max_size=30),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=timestamps, days=st.integers(min_value=-(10**15), max_value=10**15))
def test_any_at_and_days_value_keeps_the_exit_code_contract(
    run_cli, cert: Path, tmp_path: Path, at: str, days: int
) -> None:  # type: ignore[no-untyped-def]
    ws = ("--workspace", str(tmp_path / "ws"))
    for args in (
        ("inspect", str(cert), f"--at={at}"),
        ("verify", str(cert), "--trust", str(cert), f"--at={at}"),
        ("trust", "diff", str(cert), str(cert), f"--days={days}"),
        ("expiring", f"--within={days}"),
    ):
        code, _out, err = run_cli(*ws, *args)  # "--at=VALUE": argparse takes any text, certbench judges it
        assert code in (0, 1, 2), (args, code, err)
        if code == 2:
            assert err.count("\n") == 1 and err.startswith("certbench: error: "), err
