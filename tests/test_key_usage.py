"""One keyUsage table for reading, writing and partner rules: names round-trip, bad names are refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbench.core.errors import UsageError
from certbench.core.key_usage import KEY_USAGE_BITS, has_key_usage, key_usage_from_names, key_usage_names

NAMES = [name for name, _ in KEY_USAGE_BITS]


@given(st.sets(st.sampled_from(NAMES)))
def test_names_round_trip(chosen: set[str]) -> None:
    if "keyAgreement" not in chosen and chosen & {"encipherOnly", "decipherOnly"}:
        with pytest.raises(UsageError, match="need keyAgreement"):
            key_usage_from_names(sorted(chosen))
        return
    usage = key_usage_from_names(sorted(chosen))
    assert set(key_usage_names(usage)) == chosen
    assert all(has_key_usage(usage, name) for name in chosen)


def test_openssl_spellings_and_content_commitment_are_read() -> None:
    usage = key_usage_from_names([" DigitalSignature", "contentCommitment", "crlsign"])
    assert key_usage_names(usage) == ("digitalSignature", "nonRepudiation", "cRLSign")


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match="unknown key usage 'signing'; known: digitalSignature, nonRepudiation"):
        key_usage_from_names(["signing"])
