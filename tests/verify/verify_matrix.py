"""The verify matrix: chains of many shapes made by openssl, to compare ``certbench verify`` with
``openssl verify -auth_level 2 -purpose sslclient|sslserver`` (and a few real handshakes).

Every certificate is made by ``openssl ca`` (``-startdate/-enddate`` around the session's clock, extensions
from a per-certificate section; none at all gives a v1 certificate). Keys are made once per session and
reused by every case: ``root``, ``int``, ``int2``, ``leaf``, ``other`` (another root), RSA 2048; ``weak``
RSA 1024; ``ec`` P-256. ``python tests/verify/verify_matrix.py DIR`` writes the set to DIR to look at.

A case is a leaf file, an untrusted-intermediates file (maybe empty), a trust file and the host name a
client would connect to. No expected answer is written here: the tests ask openssl.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openssl_ca import ca_config, ca_database
from tool_runner import run_tool as run

HOST = "srv.example.com"

CA_CNF = ca_config(
    """
"""
)

ROOT = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n"
INT = ROOT + "authorityKeyIdentifier=keyid:always\n"
_OMIT = "-"


def leaf_ext(
    *,
    ku: str = "critical,digitalSignature,keyEncipherment",
    eku: str = "serverAuth,clientAuth",
    san: str = f"DNS:{HOST}",
    bc: str = "CA:FALSE",
    ski: bool = True,
    aki: str = "keyid:always",
    extra: str = "",
) -> str:
    """A leaf's extension section; ``"-"`` leaves an extension out."""
    lines = [
        f"basicConstraints={bc}" if bc != _OMIT else "",
        f"keyUsage={ku}" if ku != _OMIT else "",
        f"extendedKeyUsage={eku}" if eku != _OMIT else "",
        f"subjectAltName={san}" if san != _OMIT else "",
        "subjectKeyIdentifier=hash" if ski else "",
        f"authorityKeyIdentifier={aki}" if aki != _OMIT else "",
        extra,
    ]
    return "\n".join(line for line in lines if line) + "\n"


@dataclass(frozen=True)
class Case:
    """One chain to judge: ``leaf`` (with its ``key``), ``untrusted`` intermediates, ``trust`` anchors."""

    name: str
    leaf: Path
    key: Path
    untrusted: Path | None
    trust: Path
    host: str = HOST


class _Maker:
    def __init__(self, directory: Path, now: datetime) -> None:
        self.directory = directory
        self.now = now.replace(microsecond=0)
        ca_dir = directory / "ca"
        ca_database(ca_dir)
        self.cnf = directory / "ca.cnf"
        self.cnf.write_text(CA_CNF.format(dir=ca_dir))

    def key(self, stem: str, algorithm: str = "RSA", option: str = "rsa_keygen_bits:2048") -> Path:
        path = self.directory / f"{stem}.key"
        if not path.exists():
            run("openssl", "genpkey", "-algorithm", algorithm, "-pkeyopt", option, "-out", path, cwd=self.directory)
        return path

    def date(self, days: int) -> str:
        return (self.now + timedelta(days=days)).strftime("%Y%m%d%H%M%SZ")

    def cert(
        self,
        stem: str,
        cn: str,
        ext: str | None,
        *,
        issuer: str | None,
        key: str,
        days: tuple[int, int] = (-1, 365),
        md: str = "sha256",
    ) -> Path:
        """``openssl ca`` signs ``key``'s CSR with ``issuer`` (its ``.pem`` and its key ``.key`` stem, given
        as "cert:key") or self-signs; ``ext`` None makes a v1 certificate."""
        directory = self.directory
        csr = directory / f"{stem}.csr"
        key_path = directory / f"{key}.key"
        subject = f"/O=Certbench Matrix/CN={cn}"
        run(
            "openssl",
            "req",
            "-new",
            "-config",
            self.cnf,
            "-key",
            key_path,
            "-subj",
            subject,
            "-out",
            csr,
            cwd=directory,
        )
        out = directory / f"{stem}.pem"
        args: list[str | Path] = ["openssl", "ca", "-batch", "-notext", "-config", self.cnf, "-in", csr, "-out", out]
        args += ["-startdate", self.date(days[0]), "-enddate", self.date(days[1]), "-md", md]
        if ext is not None:
            section = directory / f"{stem}.ext"
            section.write_text("[ x ]\n" + ext)
            args += ["-extfile", section, "-extensions", "x"]
        if issuer is None:
            args += ["-selfsign", "-keyfile", key_path]
        else:
            cert_stem, _, key_stem = issuer.partition(":")
            args += ["-cert", directory / f"{cert_stem}.pem", "-keyfile", directory / f"{key_stem}.key"]
        run(*args, cwd=directory)
        csr.unlink()
        return out

    def ski(self, stem: str) -> str:
        """The subjectKeyIdentifier openssl put in ``stem``.pem, as hex."""
        text = run(
            "openssl", "x509", "-in", f"{stem}.pem", "-noout", "-ext", "subjectKeyIdentifier", cwd=self.directory
        )
        return text.decode().splitlines()[-1].strip().replace(":", "")

    def bundle(self, name: str, parts: Sequence[Path]) -> Path:
        out = self.directory / name
        out.write_bytes(b"".join(p.read_bytes() for p in parts))
        return out


def make_matrix(directory: Path, now: datetime | None = None) -> list[Case]:
    """Write every case's files under ``directory``; the cases, in a stable order."""
    directory.mkdir(parents=True, exist_ok=True)
    m = _Maker(directory, now or datetime.now(UTC))
    for stem in ("root", "int", "int2", "leaf", "other"):
        m.key(stem)
    m.key("weak", option="rsa_keygen_bits:1024")
    m.key("ec", "EC", "ec_paramgen_curve:P-256")

    root = m.cert("root", "Matrix Root", ROOT, issuer=None, key="root", days=(-10, 3650))
    inter = m.cert("int", "Matrix Issuing CA", INT, issuer="root:root", key="int", days=(-5, 1825))
    other = m.cert("other", "Unrelated Root", ROOT, issuer=None, key="other", days=(-10, 3650))
    cases: list[Case] = []

    def case(
        name: str, leaf: Path, chain: Sequence[Path], trust: Sequence[Path], *, key: str = "leaf", host: str = HOST
    ) -> None:
        untrusted = m.bundle(f"{name}.untrusted.pem", chain) if chain else None
        trust_file = m.bundle(f"{name}.trust.pem", trust)
        cases.append(Case(name, leaf, directory / f"{key}.key", untrusted, trust_file, host))

    def leaf(
        name: str, ext: str | None = None, *, cn: str = HOST, issuer: str = "int:int", key: str = "leaf", **kw
    ) -> Path:
        return m.cert(f"{name}.leaf", cn, leaf_ext() if ext is None else ext, issuer=issuer, key=key, **kw)

    def standard(name: str, ext: str | None = None, **kw) -> None:
        """A leaf from ``int`` with the given extensions, presented with ``int``, trusting ``root``."""
        key = kw.get("key", "leaf")
        case(name, leaf(name, ext, **kw), [inter], [root], key=key)

    # Plain chains and validity.
    standard("ok")
    case("ok-direct", leaf("ok-direct", issuer="root:root"), [], [root])
    case("ok-root-in-chain", leaf("ok-root-in-chain"), [inter, root], [root])
    standard("leaf-expired", days=(-30, -1))
    standard("leaf-not-yet-valid", days=(10, 400))
    case("missing-intermediate", leaf("missing-intermediate"), [], [root])
    case("wrong-anchor", leaf("wrong-anchor"), [inter], [other])
    int_expired = m.cert("int-expired.int", "Matrix Issuing CA", INT, issuer="root:root", key="int", days=(-60, -2))
    case("int-expired", leaf("int-expired"), [int_expired], [root])
    int_future = m.cert("int-future.int", "Matrix Issuing CA", INT, issuer="root:root", key="int", days=(5, 900))
    case("int-not-yet-valid", leaf("int-not-yet-valid"), [int_future], [root])
    root_expired = m.cert("root-expired.root", "Matrix Root", ROOT, issuer=None, key="root", days=(-90, -3))
    case("root-expired", leaf("root-expired"), [inter], [root_expired])

    # Path length.
    int_pl0 = m.cert(
        "pathlen.int",
        "Matrix Policy CA",
        INT + "basicConstraints=critical,CA:TRUE,pathlen:0\n",
        issuer="root:root",
        key="int",
    )
    int_below = m.cert("pathlen.int2", "Matrix Issuing CA 2", INT, issuer="pathlen.int:int", key="int2")
    case("pathlen0-exceeded", leaf("pathlen0-exceeded", issuer="pathlen.int2:int2"), [int_below, int_pl0], [root])
    case("pathlen0-ok", leaf("pathlen0-ok", issuer="pathlen.int:int"), [int_pl0], [root])
    root_pl0 = m.cert(
        "rootpl0.root", "Matrix Root", ROOT.replace("CA:TRUE", "CA:TRUE,pathlen:0"), issuer=None, key="root"
    )
    case("root-pathlen0-exceeded", leaf("root-pathlen0-exceeded"), [inter], [root_pl0])
    root_pl1 = m.cert(
        "rootpl1.root", "Matrix Root", ROOT.replace("CA:TRUE", "CA:TRUE,pathlen:1"), issuer=None, key="root"
    )
    case("root-pathlen1-ok", leaf("root-pathlen1-ok"), [inter], [root_pl1])

    # Extended key usage, on the leaf and on the intermediate.
    standard("eku-server-only", leaf_ext(eku="serverAuth"))
    standard("eku-client-only", leaf_ext(eku="clientAuth"))
    standard("eku-absent", leaf_ext(eku=_OMIT))
    standard("eku-codesigning", leaf_ext(eku="codeSigning"))
    standard("eku-any", leaf_ext(eku="anyExtendedKeyUsage"))
    int_server = m.cert(
        "int-eku-server.int", "Matrix Issuing CA", INT + "extendedKeyUsage=serverAuth\n", issuer="root:root", key="int"
    )
    case("int-eku-server-only", leaf("int-eku-server-only"), [int_server], [root])

    # keyUsage on the leaf.
    standard("ku-keyencipherment-only", leaf_ext(ku="critical,keyEncipherment"))
    standard("ku-digitalsignature-only", leaf_ext(ku="critical,digitalSignature"))
    standard("ku-keyagreement-only", leaf_ext(ku="critical,keyAgreement"))
    standard("ku-nonrepudiation-only", leaf_ext(ku="critical,nonRepudiation"))
    standard("ku-absent", leaf_ext(ku=_OMIT))

    # CA certificates: basicConstraints and keyUsage.
    int_no_certsign = m.cert(
        "int-no-certsign.int",
        "Matrix Issuing CA",
        INT.replace("keyCertSign,cRLSign", "digitalSignature,cRLSign"),
        issuer="root:root",
        key="int",
    )
    case("int-ku-without-keycertsign", leaf("int-ku-without-keycertsign"), [int_no_certsign], [root])
    int_no_ku = m.cert(
        "int-no-ku.int",
        "Matrix Issuing CA",
        INT.replace("keyUsage=critical,keyCertSign,cRLSign\n", ""),
        issuer="root:root",
        key="int",
    )
    case("int-no-keyusage", leaf("int-no-keyusage"), [int_no_ku], [root])
    int_ca_false = m.cert(
        "int-ca-false.int", "Matrix Issuing CA", INT.replace("CA:TRUE", "CA:FALSE"), issuer="root:root", key="int"
    )
    case("int-ca-false", leaf("int-ca-false"), [int_ca_false], [root])
    int_no_bc = m.cert(
        "int-no-bc.int",
        "Matrix Issuing CA",
        INT.replace("basicConstraints=critical,CA:TRUE\n", ""),
        issuer="root:root",
        key="int",
    )
    case("int-no-basicconstraints", leaf("int-no-basicconstraints"), [int_no_bc], [root])
    root_no_ku = m.cert(
        "root-no-ku.root",
        "Matrix Root",
        "basicConstraints=critical,CA:TRUE\nsubjectKeyIdentifier=hash\n",
        issuer=None,
        key="root",
    )
    case("root-no-keyusage", leaf("root-no-keyusage"), [inter], [root_no_ku])
    root_no_bc = m.cert("root-no-bc.root", "Matrix Root", "subjectKeyIdentifier=hash\n", issuer=None, key="root")
    case("root-no-basicconstraints", leaf("root-no-basicconstraints"), [inter], [root_no_bc])
    root_no_certsign = m.cert(
        "root-no-certsign.root",
        "Matrix Root",
        ROOT.replace("keyCertSign,cRLSign", "digitalSignature"),
        issuer=None,
        key="root",
    )
    case("root-ku-without-keycertsign", leaf("root-ku-without-keycertsign"), [inter], [root_no_certsign])
    standard("leaf-is-ca", leaf_ext(bc="critical,CA:TRUE", ku="critical,digitalSignature,keyCertSign"))

    # v1 certificates.
    root_v1 = m.cert("v1.root", "Matrix V1 Root", None, issuer=None, key="root")
    int_under_v1 = m.cert(
        "v1root.int",
        "Matrix Issuing CA",
        INT.replace("authorityKeyIdentifier=keyid:always\n", ""),
        issuer="v1.root:root",
        key="int",
    )
    case("v1-root", leaf("v1-root", issuer="v1root.int:int"), [int_under_v1], [root_v1])
    case("v1-root-direct", leaf("v1-root-direct", leaf_ext(aki=_OMIT), issuer="v1.root:root"), [], [root_v1])
    case("v1-leaf", m.cert("v1-leaf.leaf", HOST, None, issuer="int:int", key="leaf"), [inter], [root])
    int_v1 = m.cert("v1-int.int", "Matrix Issuing CA", None, issuer="root:root", key="int")
    case("v1-intermediate", leaf("v1-intermediate", leaf_ext(aki=_OMIT), issuer="v1-int.int:int"), [int_v1], [root])

    # Key identifiers.
    standard("leaf-no-ski-aki", leaf_ext(ski=False, aki=_OMIT))
    int_no_ski = m.cert(
        "int-no-ski.int",
        "Matrix Issuing CA",
        INT.replace("subjectKeyIdentifier=hash\n", ""),
        issuer="root:root",
        key="int",
    )
    case("int-no-ski", leaf("int-no-ski", leaf_ext(aki=_OMIT)), [int_no_ski], [root])
    root_ski = ":".join(m.ski("root")[i : i + 2] for i in range(0, len(m.ski("root")), 2))
    aki_root = leaf_ext(aki=_OMIT, extra=f"authorityKeyIdentifier=DER:30:16:80:14:{root_ski}")
    standard("aki-names-root", aki_root)

    # Signatures and keys.
    standard("sha1-leaf", md="sha1")
    int_sha1 = m.cert("int-sha1.int", "Matrix Issuing CA", INT, issuer="root:root", key="int", md="sha1")
    case("sha1-intermediate", leaf("sha1-intermediate"), [int_sha1], [root])
    root_sha1 = m.cert("root-sha1.root", "Matrix Root", ROOT, issuer=None, key="root", md="sha1")
    case("sha1-root", leaf("sha1-root"), [inter], [root_sha1])
    standard("md5-leaf", md="md5")
    standard("rsa1024-leaf", key="weak")
    m.cert("weak-int.int", "Matrix Weak CA", INT, issuer="root:root", key="weak")
    case(
        "rsa1024-intermediate",
        leaf("rsa1024-intermediate", issuer="weak-int.int:weak"),
        [directory / "weak-int.int.pem"],
        [root],
    )
    root_weak = m.cert("weak-root.root", "Matrix Weak Root", ROOT, issuer=None, key="weak")
    case("rsa1024-root", leaf("rsa1024-root", issuer="weak-root.root:weak"), [], [root_weak])
    standard("ec-p256-leaf", key="ec")

    # Unknown extensions.
    standard("critical-unknown-extension", leaf_ext(extra="1.3.6.1.4.1.55555.1=critical,DER:05:00"))
    standard("noncritical-unknown-extension", leaf_ext(extra="1.3.6.1.4.1.55555.1=DER:05:00"))
    int_crit = m.cert(
        "int-crit.int",
        "Matrix Issuing CA",
        INT + "1.3.6.1.4.1.55555.1=critical,DER:05:00\n",
        issuer="root:root",
        key="int",
    )
    case("int-critical-unknown-extension", leaf("int-critical-unknown-extension"), [int_crit], [root])

    # Names: SAN, CN, wildcards, name constraints.
    standard("client-no-san", leaf_ext(san=_OMIT, eku="clientAuth"), cn="connectpay-client")
    standard("server-cn-only", leaf_ext(san=_OMIT))
    standard("san-mismatch-cn-match", leaf_ext(san="DNS:other.example.com"))
    standard("san-ip-only-cn-match", leaf_ext(san="IP:127.0.0.1"))
    standard("san-wildcard", leaf_ext(san="DNS:*.example.com"), cn="wildcard")
    int_nc = m.cert(
        "nc.int",
        "Matrix Constrained CA",
        INT + "nameConstraints=critical,permitted;DNS:.example.com\n",
        issuer="root:root",
        key="int",
    )
    case("nc-permitted", leaf("nc-permitted", issuer="nc.int:int"), [int_nc], [root])
    outside = leaf_ext(san="DNS:srv.example.org")
    case(
        "nc-outside-permitted",
        leaf("nc-outside-permitted", outside, cn="srv.example.org", issuer="nc.int:int"),
        [int_nc],
        [root],
        host="srv.example.org",
    )
    int_nc_ex = m.cert(
        "ncx.int",
        "Matrix Constrained CA",
        INT + "nameConstraints=critical,excluded;DNS:bad.example.com\n",
        issuer="root:root",
        key="int",
    )
    bad = leaf_ext(san="DNS:bad.example.com")
    case(
        "nc-excluded",
        leaf("nc-excluded", bad, cn="bad.example.com", issuer="ncx.int:int"),
        [int_nc_ex],
        [root],
        host="bad.example.com",
    )
    return cases


if __name__ == "__main__":
    made = make_matrix(Path(sys.argv[1]))
    print(f"{len(made)} cases in {sys.argv[1]}")
