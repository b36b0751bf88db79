"""Readable names for the object identifiers certbench prints (openssl's spelling), without cryptography's
private ``ObjectIdentifier._name``. Anything not listed prints as its dotted string."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, SignatureAlgorithmOID

_SIGNATURE_ALGORITHMS = {
    SignatureAlgorithmOID.RSA_WITH_MD5: "md5WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA1: "sha1WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA224: "sha224WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA256: "sha256WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA384: "sha384WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA512: "sha512WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA3_224: "RSA-SHA3-224",
    SignatureAlgorithmOID.RSA_WITH_SHA3_256: "RSA-SHA3-256",
    SignatureAlgorithmOID.RSA_WITH_SHA3_384: "RSA-SHA3-384",
    SignatureAlgorithmOID.RSA_WITH_SHA3_512: "RSA-SHA3-512",
    SignatureAlgorithmOID.RSASSA_PSS: "rsassaPss",
    SignatureAlgorithmOID.ECDSA_WITH_SHA1: "ecdsa-with-SHA1",
    SignatureAlgorithmOID.ECDSA_WITH_SHA224: "ecdsa-with-SHA224",
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "ecdsa-with-SHA256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: "ecdsa-with-SHA384",
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "ecdsa-with-SHA512",
    SignatureAlgorithmOID.ECDSA_WITH_SHA3_224: "ecdsa_with_SHA3-224",
    SignatureAlgorithmOID.ECDSA_WITH_SHA3_256: "ecdsa_with_SHA3-256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA3_384: "ecdsa_with_SHA3-384",
    SignatureAlgorithmOID.ECDSA_WITH_SHA3_512: "ecdsa_with_SHA3-512",
    SignatureAlgorithmOID.DSA_WITH_SHA1: "dsa-with-sha1",
    SignatureAlgorithmOID.DSA_WITH_SHA224: "dsa-with-sha224",
    SignatureAlgorithmOID.DSA_WITH_SHA256: "dsa-with-sha256",
    SignatureAlgorithmOID.DSA_WITH_SHA384: "dsa_with_SHA384",
    SignatureAlgorithmOID.DSA_WITH_SHA512: "dsa_with_SHA512",
    SignatureAlgorithmOID.ED25519: "ED25519",
    SignatureAlgorithmOID.ED448: "ED448",
}
_EXTENSIONS = {
    ExtensionOID.SUBJECT_DIRECTORY_ATTRIBUTES: "subjectDirectoryAttributes",
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: "subjectKeyIdentifier",
    ExtensionOID.KEY_USAGE: "keyUsage",
    ExtensionOID.PRIVATE_KEY_USAGE_PERIOD: "privateKeyUsagePeriod",
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME: "subjectAltName",
    ExtensionOID.ISSUER_ALTERNATIVE_NAME: "issuerAltName",
    ExtensionOID.BASIC_CONSTRAINTS: "basicConstraints",
    ExtensionOID.NAME_CONSTRAINTS: "nameConstraints",
    ExtensionOID.CRL_DISTRIBUTION_POINTS: "cRLDistributionPoints",
    ExtensionOID.CERTIFICATE_POLICIES: "certificatePolicies",
    ExtensionOID.POLICY_MAPPINGS: "policyMappings",
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: "authorityKeyIdentifier",
    ExtensionOID.POLICY_CONSTRAINTS: "policyConstraints",
    ExtensionOID.EXTENDED_KEY_USAGE: "extendedKeyUsage",
    ExtensionOID.FRESHEST_CRL: "freshestCRL",
    ExtensionOID.INHIBIT_ANY_POLICY: "inhibitAnyPolicy",
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS: "authorityInfoAccess",
    ExtensionOID.SUBJECT_INFORMATION_ACCESS: "subjectInfoAccess",
    ExtensionOID.OCSP_NO_CHECK: "OCSPNoCheck",
    ExtensionOID.TLS_FEATURE: "TLSFeature",
    ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS: "signedCertificateTimestampList",
    ExtensionOID.PRECERT_POISON: "ctPoison",
    x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"): "qcStatements",
}

_EXTENDED_KEY_USAGES = {
    ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth",
    ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
    ExtendedKeyUsageOID.CODE_SIGNING: "codeSigning",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "emailProtection",
    ExtendedKeyUsageOID.TIME_STAMPING: "timeStamping",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSPSigning",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE: "anyExtendedKeyUsage",
    ExtendedKeyUsageOID.SMARTCARD_LOGON: "smartcardLogon",
    ExtendedKeyUsageOID.KERBEROS_PKINIT_KDC: "kerberosPKINITKDC",
    ExtendedKeyUsageOID.IPSEC_IKE: "ipsecIKE",
    ExtendedKeyUsageOID.CERTIFICATE_TRANSPARENCY: "certificateTransparency",
}


def signature_algorithm_name(oid: x509.ObjectIdentifier) -> str:
    """``sha256WithRSAEncryption``, ``ecdsa-with-SHA256``..., else the dotted OID."""
    return _SIGNATURE_ALGORITHMS.get(oid, oid.dotted_string)


def extension_name(oid: x509.ObjectIdentifier) -> str:
    """``subjectAltName``, ``keyUsage``..., else the dotted OID."""
    return _EXTENSIONS.get(oid, oid.dotted_string)


def extended_key_usage_name(oid: x509.ObjectIdentifier) -> str:
    """``clientAuth``, ``serverAuth``..., else the dotted OID."""
    return _EXTENDED_KEY_USAGES.get(oid, oid.dotted_string)
