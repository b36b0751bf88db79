"""Issue 13: the ``--from-cnf`` precedence merge is in core (core.cnf.merge_request), not in the CLI."""

from __future__ import annotations

from create_material import TPP1_CNF
from cryptography import x509

from certbench.core.cnf import merge_request, read_request_config
from certbench.core.issue import KeySpec, Profile
from certbench.core.subject import parse_san, parse_subject


def test_the_config_fills_what_the_command_line_leaves_out() -> None:
    config = read_request_config(TPP1_CNF)
    merged = merge_request(config, subject=None, default_profile=Profile.CLIENT)
    assert merged.subject == config.subject
    assert merged.sans == config.sans
    assert merged.profile == config.suggested_profile()
    assert merged.key_spec == (config.key_spec or KeySpec.RSA_2048)


def test_explicit_values_win_and_sans_add_up() -> None:
    config = read_request_config(TPP1_CNF)
    extra = parse_san("DNS:extra.example.test")
    merged = merge_request(
        config,
        subject=parse_subject("/CN=explicit"),
        sans=[extra, *config.sans],
        profile=Profile.SERVER,
        key_spec=KeySpec.EC_P256,
    )
    assert merged.subject == parse_subject("/CN=explicit")
    assert merged.sans == (*config.sans, extra)  # the config's first, no duplicate
    assert merged.profile is Profile.SERVER and merged.key_spec is KeySpec.EC_P256
    if config.ext_key_usage:  # tpp1.cnf asks for clientAuth: the server profile's EKU differs
        assert any("extendedKeyUsage differs from the server profile's" in note for note in merged.notes)


def test_without_config_the_defaults_apply() -> None:
    merged = merge_request(None, subject=parse_subject("/CN=a"), default_profile=Profile.CLIENT)
    assert merged.profile is Profile.CLIENT and merged.key_spec is KeySpec.RSA_2048 and merged.sans == ()
    assert isinstance(merged.subject, x509.Name) and merged.notes == ()
