"""The copied credential shapes stay identical to the installed detect-secrets (the oracle).

If detect-secrets changes a pattern, these tests fail and the copy in
``lambdalint.provider_patterns`` is updated deliberately, never silently.
"""

from __future__ import annotations

import importlib
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdalint.provider_patterns import (
    AWS_SECRET_ACCESS_KEY,
    PROVIDERS,
    base64_shannon_entropy,
    jwt_is_formally_valid,
)

plugins = pytest.importorskip("detect_secrets.plugins")


def _upstream(name: str) -> type:
    module, cls = name.rsplit(".", 1)
    return getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls)


def _key(pattern: re.Pattern[str]) -> tuple[str, int]:
    return pattern.pattern, pattern.flags


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.upstream for p in PROVIDERS])
def test_each_pattern_is_upstreams(provider) -> None:  # type: ignore[no-untyped-def]
    upstream = {_key(p) for p in _upstream(provider.upstream).denylist}
    ours = [_key(p) for p in provider.patterns]
    assert ours, provider
    assert set(ours) <= upstream


# Upstream patterns deliberately not copied, with the reason in provider_patterns' comment.
_LEFT_OUT = {
    ("aws.AWSKeyDetector", AWS_SECRET_ACCESS_KEY.pattern),  # used separately, with an assignment context
    ("twilio.TwilioKeyDetector", "AC[a-z0-9]{32}"),  # an Account SID is an identifier
}


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.upstream for p in PROVIDERS])
def test_no_upstream_pattern_is_dropped_silently(provider) -> None:  # type: ignore[no-untyped-def]
    ours = {p.pattern for p in provider.patterns}
    for pattern in _upstream(provider.upstream).denylist:
        assert pattern.pattern in ours or (provider.upstream, pattern.pattern) in _LEFT_OUT


def test_aws_secret_access_key_is_upstreams() -> None:
    assert _key(AWS_SECRET_ACCESS_KEY) == _key(_upstream("aws.AWSKeyDetector").denylist[1])


_TOKENISH = st.text(alphabet=string.ascii_letters + string.digits + "+/=-_.:\\ ", max_size=80)


@settings(max_examples=300, deadline=None)
@given(_TOKENISH)
def test_entropy_equals_upstream(value: str) -> None:
    upstream = _upstream("high_entropy_strings.Base64HighEntropyString")().calculate_shannon_entropy
    expected = upstream(value) if value else 0.0
    assert base64_shannon_entropy(value) == pytest.approx(expected, abs=1e-12)


_B64URL = st.text(alphabet=string.ascii_letters + string.digits + "-_=", max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(_B64URL, min_size=1, max_size=4).map(".".join) | _TOKENISH)
def test_jwt_validity_equals_upstream(token: str) -> None:
    assert jwt_is_formally_valid(token) == _upstream("jwt.JwtTokenDetector").is_formally_valid(token)


@pytest.mark.parametrize(
    "token",
    [
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
        "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
        "eyJhbGciOiJIUzI1NiJ9a.eyJzdWIiOiIxIn0.c2ln",
    ],
)
def test_jwt_validity_on_real_shapes(token: str) -> None:
    assert jwt_is_formally_valid(token) == _upstream("jwt.JwtTokenDetector").is_formally_valid(token)


# A prefix of each provider's shape, so generated values actually reach the interesting part of
# every pattern instead of failing on the first character.
_SEEDS = ["AKIA", "ASIA", "sk_live_", "ghp_", "xoxb-1-", "https://hooks.slack.com/services/T", "glpat-",
          "sk-", "T3BlbkFJ", "SG.", "SK", "//r/:_authToken=", "AccountKey=", "M", "-us1", "pypi-AgEIcHlwaS5vcmc",
          "123456789:", "sq0csp-", "BEGIN RSA PRIVATE KEY"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_SEEDS), st.text(alphabet=string.ascii_letters + string.digits + "_-./:=", max_size=120))
def test_matches_equal_upstream_analyze_string(seed: str, tail: str) -> None:
    value = seed + tail
    for provider in PROVIDERS:
        detector = _upstream(provider.upstream)()
        upstream_patterns = {p.pattern for p in provider.patterns}
        # Upstream's analyze_string runs every pattern of the plugin; compare on the ones we copied.
        detector.denylist = [p for p in detector.denylist if p.pattern in upstream_patterns]
        assert list(provider.matches(value)) == list(detector.analyze_string(value)), provider.upstream
