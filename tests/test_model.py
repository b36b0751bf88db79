"""Issue 13: findings carry a ``Severity`` enum (core/model.py), serialized exactly as the plain strings were."""

from __future__ import annotations

import json
from pathlib import Path

from certbench.core.chain import analyze_chain
from certbench.core.errors import FormatError
from certbench.core.model import SEVERITIES, Finding, Severity
from conftest import FIXED_NOW


def test_severity_serializes_as_its_string() -> None:
    finding = Finding("chain.order", Severity.WARNING, "m", "f")
    assert json.loads(json.dumps(finding.to_json()))["severity"] == "warning"
    assert Severity.ERROR == "error" and SEVERITIES == ("error", "warning", "info")


def test_every_finding_of_the_doctor_has_an_enum_severity(tmp_path: Path) -> None:
    report = analyze_chain([], now=FIXED_NOW, errors=[FormatError("bad", path=str(tmp_path))])
    assert report.findings and all(isinstance(f.severity, Severity) for f in report.findings)
    assert report.to_json()["findings"][0]["severity"] == "error"
