"""Credential shapes of detect-secrets 1.5's regex plugins, copied so that LL201 never imports it.

Every detect-secrets plugin module imports ``requests`` through its base class (for online
verification, which a linter never does): about 55 ms measured here with ``-X importtime``, paid by
a pre-commit hook on every commit whose templates hold one long literal. The patterns themselves are
a few lines of data, so they are copied here verbatim (detect-secrets is Apache-2.0; the upstream
module of each pattern is named beside it), together with the two helpers LL201 used (Shannon
entropy over the base64 alphabet, the JWT well-formedness check).

``tests/test_provider_patterns.py`` keeps the copy honest: it asserts that each pattern is
identical, source and flags, to the installed detect-secrets' and that both give the same
matches on the real corpus' strings and on generated tokens; detect-secrets is a test dependency.
"""

from __future__ import annotations

import base64
import json
import math
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "AWS_SECRET_ACCESS_KEY",
    "PROVIDERS",
    "Provider",
    "base64_shannon_entropy",
    "jwt_is_formally_valid",
]


@dataclass(frozen=True, slots=True)
class Provider:
    """One credential shape.

    ``needle`` is a substring every match contains: testing it first skips most patterns for most
    values, and keeps the npm pattern (quadratic on long values full of ``//``) off values that
    cannot match. ``trailing`` asks for a non-alphanumeric character (or the end) after the match,
    for shapes that could otherwise be cut out of a longer generated name.
    """

    reason: str
    needle: str
    trailing: bool
    patterns: tuple[re.Pattern[str], ...]
    upstream: str  # "module.Class" in detect_secrets.plugins, for the oracle test

    def matches(self, value: str) -> Iterator[str]:
        """The matched texts, the way detect-secrets' ``RegexBasedDetector.analyze_string`` yields them."""
        for pattern in self.patterns:
            for match in pattern.findall(value):
                if isinstance(match, tuple):
                    yield from filter(None, match)
                else:
                    yield match


def _provider(reason: str, needle: str, trailing: bool, upstream: str, *patterns: re.Pattern[str]) -> Provider:
    return Provider(reason, needle, trailing, patterns, upstream)


# Left out on purpose: the keyword and IBM/Cloudant/SoftLayer plugins (they key off the variable
# name, which ``secrets.is_secret_name`` judges), the Artifactory password pattern (``AP[0-9A-F]…``
# matches ordinary upper-case names), the Twilio *Account* SID (``AC…``, an identifier as public as
# an AWS account id), the public-IP plugin (not a secret) and the entropy plugins (LL201 has its
# own thresholds, tuned for single values rather than source lines).
PROVIDERS: tuple[Provider, ...] = (
    _provider("an AWS access key id", "", True, "aws.AWSKeyDetector",
              re.compile(r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}")),
    _provider("a private key", "", False, "private_key.PrivateKeyDetector", *(
        re.compile(header)
        for header in (
            r"BEGIN DSA PRIVATE KEY",
            r"BEGIN EC PRIVATE KEY",
            r"BEGIN OPENSSH PRIVATE KEY",
            r"BEGIN PGP PRIVATE KEY BLOCK",
            r"BEGIN PRIVATE KEY",
            r"BEGIN RSA PRIVATE KEY",
            r"BEGIN SSH2 ENCRYPTED PRIVATE KEY",
            r"PuTTY-User-Key-File-2",
        )
    )),
    _provider("a Stripe live secret key", "k_live_", False, "stripe.StripeDetector",
              re.compile(r"(?:r|s)k_live_[0-9a-zA-Z]{24}")),
    _provider("a GitHub token", "gh", False, "github_token.GitHubTokenDetector",
              re.compile(r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}")),
    _provider("a Slack token or webhook URL", "", False, "slack.SlackDetector",
              re.compile(r"xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+", flags=re.IGNORECASE),
              re.compile(r"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+",
                         flags=re.IGNORECASE | re.VERBOSE)),
    _provider("a GitLab token", "", False, "gitlab_token.GitLabTokenDetector",
              re.compile(r"(glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_\-]{20,50}(?!\w)"),
              re.compile(r"GR1348941[A-Za-z0-9_\-]{20,50}(?!\w)"),
              re.compile(r"glcbt-([0-9a-fA-F]{2}_)?[A-Za-z0-9_\-]{20,50}(?!\w)"),
              re.compile(r"glimt-[A-Za-z0-9_\-]{25}(?!\w)"),
              re.compile(r"glptt-[A-Za-z0-9_\-]{40}(?!\w)"),
              re.compile(r"glagent-[A-Za-z0-9_\-]{50,1024}(?!\w)"),
              re.compile(r"gloas-[A-Za-z0-9_\-]{64}(?!\w)")),
    _provider("an OpenAI API key", "T3BlbkFJ", False, "openai.OpenAIDetector",
              re.compile(r"sk-[A-Za-z0-9-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}")),
    _provider("a SendGrid API key", "SG.", False, "sendgrid.SendGridDetector",
              re.compile(r"SG\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43}")),
    _provider("a Twilio API key", "SK", True, "twilio.TwilioKeyDetector",
              re.compile(r"SK[a-z0-9]{32}")),
    _provider("an npm token", "_authToken", False, "npm.NpmDetector",
              re.compile(r"\/\/.+\/:_authToken=\s*((npm_.+)|([A-Fa-f0-9-]{36})).*")),
    _provider("an Azure storage account key", "AccountKey=", False, "azure_storage_key.AzureStorageKeyDetector",
              re.compile(r"AccountKey=[a-zA-Z0-9+\/=]{88}")),
    _provider("a Discord bot token", ".", True, "discord.DiscordBotTokenDetector",
              re.compile(r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}")),
    _provider("a Mailchimp API key", "-us", True, "mailchimp.MailchimpDetector",
              re.compile(r"[0-9a-z]{32}-us[0-9]{1,2}")),
    _provider("a PyPI upload token", "pypi-", False, "pypi_token.PypiTokenDetector",
              re.compile(r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9-_]{70,}"),
              re.compile(r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9-_]{70,}")),
    _provider("a Telegram bot token", ":", True, "telegram_token.TelegramBotTokenDetector",
              re.compile(r"\d{8,10}:[0-9A-Za-z_-]{35}")),
    _provider("a Square OAuth secret", "sq0csp-", False, "square_oauth.SquareOAuthDetector",
              re.compile(r"sq0csp-[0-9A-Za-z\\\-_]{43}")),
)

# detect-secrets' aws.AWSKeyDetector.denylist[1]: a 40-character secret access key, recognised only
# in an assignment whose name mentions aws and key/password/token (``aws…key = "<40 chars>"``).
AWS_SECRET_ACCESS_KEY = re.compile(
    r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?[\'\"]([0-9a-zA-Z/+]{40})[\'\"]",
    flags=re.IGNORECASE,
)

# high_entropy_strings.Base64HighEntropyString's charset: standard and URL-safe base64, padding
# (and a backslash, which upstream's ``'\\-_'`` spells).
_BASE64_CHARSET = string.ascii_letters + string.digits + "+/" + "\\-_" + "="


def base64_shannon_entropy(data: str) -> float:
    """Shannon entropy, in bits per character, counted over the base64 alphabet only (as upstream)."""
    if not data:
        return 0.0
    entropy = 0.0
    for char in _BASE64_CHARSET:
        p_x = data.count(char) / len(data)
        if p_x > 0:
            entropy -= p_x * math.log(p_x, 2)
    return entropy


def jwt_is_formally_valid(token: str) -> bool:
    """jwt.JwtTokenDetector.is_formally_valid: every segment is base64url, the first two are JSON."""
    for index, segment in enumerate(token.split(".")):
        try:
            part = segment.encode("ascii")
            pad = len(part) % 4
            if pad == 1:
                return False
            part += b"==" if pad == 2 else b"===" if pad == 3 else b""  # upstream's padding, as is
            decoded = base64.urlsafe_b64decode(part)
            if index < 2:
                json.loads(decoded.decode("utf-8"))
        except (TypeError, ValueError, UnicodeDecodeError):
            return False
    return True
