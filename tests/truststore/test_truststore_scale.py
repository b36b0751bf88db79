"""Scale: a 5,000-certificate truststore builds, and keytool/openssl read every entry back (material signed
by ``openssl ca``). How long it takes is measured by benchmarks/bench_truststore.py, not asserted here."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import truststore_material
from truststore_material import BIG_COUNT as COUNT
from truststore_material import keytool_list

from conftest import FIXED_NOW

big_bundle = truststore_material.big_bundle  # the cross-worker session fixture


@pytest.mark.slow
@pytest.mark.interop
def test_build_5000_certificates(big_bundle: Path, tmp_path: Path, run_cli) -> None:
    env = {"CERTBENCH_NOW": FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "BIG_PW": "changeit"}
    for suffix, storetype in (("jks", "JKS"), ("p12", "PKCS12")):
        out = tmp_path / f"big.{suffix}"
        code, stdout, stderr = run_cli("trust", "build", "--out", str(out), "--password-env", "BIG_PW", "--json",
                                       str(big_bundle), env=env)  # fmt: skip
        assert code == 0, stderr
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
