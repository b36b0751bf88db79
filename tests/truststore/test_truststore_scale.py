"""Scale: a 5,000-certificate truststore builds in seconds (material signed by ``openssl ca``)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import truststore_material
from truststore_material import BIG_COUNT as COUNT
from truststore_material import keytool_list

from conftest import FIXED_NOW

BUILD_BUDGET_SECONDS = 10.0

big_bundle = truststore_material.big_bundle  # the cross-worker session fixture


@pytest.mark.slow
@pytest.mark.interop
def test_build_5000_certificates_in_seconds(big_bundle: Path, tmp_path: Path, run_cli) -> None:
    env = {"CERTBENCH_NOW": FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "BIG_PW": "changeit"}
    for suffix, storetype in (("jks", "JKS"), ("p12", "PKCS12")):
        out = tmp_path / f"big.{suffix}"
        started, started_cpu = time.perf_counter(), time.process_time()
        code, stdout, stderr = run_cli("trust", "build", "--out", str(out), "--password-env", "BIG_PW", "--json",
                                       str(big_bundle), env=env)  # fmt: skip
        elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        assert code == 0, stderr
        # CPU time, so that other processes competing for the machine do not make the test flaky.
        assert cpu < BUILD_BUDGET_SECONDS, f"building {COUNT} {suffix} entries took {cpu:.1f}s CPU ({elapsed:.1f}s)"
        assert '"added": 5000' in stdout
        if storetype == "JKS":
            listing = keytool_list(out, storetype, "changeit")
            assert f"Your keystore contains {COUNT:,} entries" in listing
            assert listing.count("trustedCertEntry") == COUNT
            assert "bulk-ca-5000," in listing and "bulk-ca," in listing
        else:
            # keytool takes ~5 s to list 5,000 PKCS#12 entries; the entry type is proven on the small store
            # (test_build_p12_keytool_and_openssl), the count here by openssl.
            dump = subprocess.run(
                ["openssl", "pkcs12", "-in", str(out), "-nokeys", "-passin", "pass:changeit"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            assert dump.count("-----BEGIN CERTIFICATE-----") == COUNT
            assert "friendlyName: bulk-ca-5000" in dump and "PRIVATE KEY" not in dump
