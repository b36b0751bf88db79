"""Issue 13: a checklist's severity is the ``Severity`` enum of core/model.py, and its JSON is unchanged
(the plain strings ``error``, ``warning``, ``pending``)."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization
from keystore_material import shared_pki

from certbench.core.checks import blocking_failures
from certbench.core.gateway import jar_checks
from certbench.core.model import Severity
from conftest import FIXED_NOW


def test_jar_checklist_severities_are_the_enum_and_serialize_as_before() -> None:
    pki = shared_pki()
    key = serialization.load_pem_private_key(pki.key_pem("leaf"), None)
    certificates = [pki.cert("leaf"), pki.cert("int"), pki.cert("root")]
    checks = jar_checks(
        certificates, key, now=FIXED_NOW, key_password=None, entry_names=("Gw", "GwKey"), size=None,
        manifest_first=False,
    )  # fmt: skip
    assert all(isinstance(check.severity, Severity) for check in checks)
    assert [(check.code, check.severity) for check in checks] == [
        ("jar.key-matches", Severity.ERROR), ("jar.not-expired", Severity.ERROR), ("jar.chain", Severity.ERROR),
        ("jar.password-characters", Severity.ERROR), ("jar.names", Severity.ERROR), ("jar.size", Severity.PENDING),
        ("jar.manifest", Severity.WARNING),
    ]  # fmt: skip
    assert json.dumps([check.to_json() for check in checks[-2:]]) == (
        '[{"code": "jar.size", "title": "JAR is under 50 KB", "passed": false, '
        '"reason": "known once the JAR is built", "severity": "pending"}, '
        '{"code": "jar.manifest", "title": "Manifest is the first entry", "passed": false, '
        '"reason": "META-INF/MANIFEST.MF is missing or not first (as `jar` writes it)", "severity": "warning"}]'
    )
    # A failed warning and a pending check do not block; nothing else failed.
    assert blocking_failures(checks) == []
