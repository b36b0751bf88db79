"""Scale: a 5,000-certificate truststore builds in seconds (material signed by ``openssl ca``)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from truststore_material import CA_CNF, keytool_list

from conftest import FIXED_NOW

COUNT = 5000
WORKERS = 2
BUILD_BUDGET_SECONDS = 10.0


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def big_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5,000 CA certificates: one CSR signed 2,500 times by each of two parallel ``openssl ca -infiles`` runs."""
    directory = tmp_path_factory.mktemp("big-bundle")
    cnf = directory / "root.cnf"
    cnf.write_text(CA_CNF.format(dir=directory))
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem", cwd=directory)
    _openssl("req", "-new", "-x509", "-config", cnf, "-extensions", "v3_ca", "-key", "k.pem", "-subj",
             "/CN=Bulk Root", "-days", "3650", "-out", "root.pem", cwd=directory)  # fmt: skip
    _openssl("req", "-new", "-config", cnf, "-key", "k.pem", "-subj", "/CN=Bulk CA", "-out", "c.csr", cwd=directory)
    processes = []
    for worker in range(WORKERS):
        ca_dir = directory / f"ca{worker}"
        (ca_dir / "newcerts").mkdir(parents=True)
        (ca_dir / "index.txt").write_text("")
        (ca_dir / "serial").write_text(f"{(worker + 1) * 0x100000:08X}\n")
        (ca_dir / "ca.cnf").write_text(CA_CNF.format(dir=ca_dir))
        args = ["openssl", "ca", "-batch", "-notext", "-config", str(ca_dir / "ca.cnf"), "-cert", "root.pem"]
        args += ["-keyfile", "k.pem", "-startdate", "20250101000000Z", "-enddate", "20350101000000Z"]
        args += ["-extensions", "v3_ca", "-out", str(ca_dir / "last.pem"), "-infiles"]
        args += ["c.csr"] * (COUNT // WORKERS)
        processes.append(subprocess.Popen(args, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    for process in processes:
        _, err = process.communicate()
        assert process.returncode == 0, err
    bundle = directory / "bundle.pem"
    with bundle.open("wb") as handle:
        for worker in range(WORKERS):
            for cert in sorted((directory / f"ca{worker}" / "newcerts").glob("*.pem")):
                handle.write(cert.read_bytes())
    return bundle


@pytest.mark.slow
@pytest.mark.interop
def test_build_5000_certificates_in_seconds(big_bundle: Path, tmp_path: Path, run_cli) -> None:
    env = {"CERTBENCH_NOW": FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "BIG_PW": "changeit"}
    for suffix, storetype in (("jks", "JKS"), ("p12", "PKCS12")):
        out = tmp_path / f"big.{suffix}"
        started = time.perf_counter()
        code, stdout, stderr = run_cli("trust", "build", "--out", str(out), "--password-env", "BIG_PW", "--json",
                                       str(big_bundle), env=env)  # fmt: skip
        elapsed = time.perf_counter() - started
        assert code == 0, stderr
        assert elapsed < BUILD_BUDGET_SECONDS, f"building {COUNT} {suffix} entries took {elapsed:.1f}s"
        assert '"added": 5000' in stdout
        listing = keytool_list(out, storetype, "changeit")
        assert f"Your keystore contains {COUNT:,} entries" in listing
        assert listing.count("trustedCertEntry") == COUNT
        assert "bulk-ca-5000," in listing and "bulk-ca," in listing
