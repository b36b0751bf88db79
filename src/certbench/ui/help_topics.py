"""What the help screen (``?``/F1) explains beside the keys: the choices a screen asks for, by the
screen's ``PALETTE_GROUP`` (:data:`HELP_TOPICS`, shown after its keys)."""

from __future__ import annotations

#: ``(heading, ((choice, what it is for), ...))`` sections.
Topics = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

#: The Keystore screen: which bundle to pick.
KEYSTORE_TOPICS: Topics = (
    (
        "Which bundle",
        (
            (
                "Keystore JAR",
                "for the API gateway: the chain and the key (PKCS#8, encrypted with the new file "
                "password unless 'Key without password'); the checklist holds the gateway's rules",
            ),
            ("PKCS#12 (AES-256)", "key and chain in one file for current tools: OpenSSL 3, Java 11+, Windows 10+"),
            (
                "PKCS#12 for browsers",
                "the same with legacy 3DES encryption, for browsers, macOS Keychain and "
                "older Java or Windows that cannot read AES",
            ),
            ("JKS (Java)", "a Java keystore for applications that still ask for JKS"),
            ("PEM chain", "the certificates only, leaf to root: no key, no password"),
            ("Partner profile", "checks the bundle against a partner's rules too; failures join the checklist"),
        ),
    ),
)

#: The Truststore screen: which format to write.
TRUSTSTORE_TOPICS: Topics = (
    (
        "Which format",
        (
            ("PEM", "the certificates as text, one after another: OpenSSL/curl CAfile, nginx, Python; no password"),
            ("JKS", "a Java truststore (keytool, older Java); needs a password"),
            ("PKCS#12", "trusted certificates in a .p12: Java 9+ default, .NET; needs a password"),
            (
                "File name",
                "its extension picks the format: .pem .crt .cer, .jks, .p12 .pfx (a name and a format that "
                "disagree are not written)",
            ),
        ),
    ),
)

#: Topics by screen (its ``PALETTE_GROUP``).
HELP_TOPICS: dict[str, Topics] = {"Keystore": KEYSTORE_TOPICS, "Truststore": TRUSTSTORE_TOPICS}
