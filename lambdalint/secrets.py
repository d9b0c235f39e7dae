"""Decide whether one Lambda environment variable holds a secret (rule LL201 ``secret-in-environment``).

Lambda stores environment variables in plaintext in the function configuration: anyone with
``lambda:GetFunctionConfiguration`` reads them, they appear in CloudFormation/Terraform state, and
``{{resolve:...}}`` references are expanded into that same plaintext at deploy time.  So a secret is a
finding whether it is written into the template, passed in as a parameter, or resolved from a store;
only a *reference* to a store entry (an ARN or a name the function reads at run time) is safe.

The module is cheap to import and needs no other lambdalint module until a literal long enough to
hold a credential has to be inspected; then :mod:`lambdalint.provider_patterns` supplies
detect-secrets' credential shapes without importing detect-secrets (whose plugins pull in
``requests``, ~55 ms).

Nothing returned here may contain the secret: reasons are fixed sentences and hints come from
:func:`redact`, which keeps at most a public provider prefix (``AKIA``, ``ghp_``...) and a length.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

__all__ = ["SecretHit", "ValueKind", "check_env_var", "is_secret_name", "redact"]

ValueKind = Literal[
    "literal",
    "parameter",
    "dynamic-secret",
    "dynamic-plain",
    "store-reference",
    "resource-reference",
    "unknown",
]


@dataclass(frozen=True, slots=True)
class SecretHit:
    """One LL201 finding; both fields are safe to print, log and write to SARIF."""

    reason: str
    hint: str


# --------------------------------------------------------------------------------------------------
# Variable names
# --------------------------------------------------------------------------------------------------

# A name token that *contains* one of these is secret-named: ``DBPASSWORD``, ``mysecret`` and
# ``ClientSecret`` all mean the same thing, and none of these words occurs inside harmless words.
_SECRET_SUBSTRINGS = ("password", "passwd", "passphrase", "secret", "credential")

# Short words that mean "password" only as the last token: DB_PASS, smtpPwd, but not PASS_THROUGH.
_SECRET_LAST_TOKENS = frozenset({"pass", "pwd", "pw"})

# Whole tokens that are secret-named on their own (so ``BYPASS`` or ``TOKENIZER`` stay silent).
_SECRET_TOKENS = frozenset(
    {
        "token",
        "creds",
        "apikey",
        "privatekey",
        "secretkey",
        "accesskey",
        "authkey",
        "signingkey",
        "encryptionkey",
        "masterkey",
        "passkey",
        "appkey",
        "hmackey",
        "licensekey",
        "sessionkey",
    }
)

# ``X_KEY`` is secret-named only for these qualifiers: DynamoDB, S3, KMS and caching all use
# "key" for ordinary identifiers (PRIMARY_KEY, SORT_KEY, S3_KEY, KMS_KEY, CACHE_KEY...).
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "private",
        "secret",
        "access",
        "auth",
        "signing",
        "sign",
        "encryption",
        "encrypt",
        "master",
        "app",
        "hmac",
        "session",
        "license",
        "consumer",
        "client",
        "webhook",
        "jwt",
        "cookie",
        "crypto",
        "storage",
        "account",
        "subscription",
        "shared",
        "service",
        "admin",
        "ingest",
        "write",
        "stripe",
        "openai",
        "sendgrid",
        "twilio",
        "mailgun",
        "datadog",
        "dd",
        "algolia",
        "recaptcha",
        "captcha",
    }
)

# The last token of a name that describes *something about* a secret rather than the secret itself
# (TOKEN_TTL_SECONDS, PASSWORD_MIN_LENGTH, SECRET_ARN, API_KEY_HEADER...).  A literal under such a
# name is still checked by value, so ``X_URL: postgres://u:p@h`` is caught by the value rules.
_METADATA_SUFFIXES = frozenset(
    {
        "ttl", "seconds", "secs", "sec", "minutes", "mins", "hours", "hrs", "days", "ms", "millis",
        "length", "len", "size", "count", "max", "min", "limit", "limits", "retries", "attempts",
        "url", "urls", "uri", "uris", "arn", "arns", "name", "names", "id", "ids", "path", "paths",
        "param", "params", "parameter", "parameters", "header", "headers", "file", "filename",
        "files", "dir", "directory", "endpoint", "endpoints", "host", "hostname", "domain", "region",
        "issuer", "audience", "aud", "expiry", "expiration", "expires", "timeout", "type", "types",
        "policy", "enabled", "enable", "disabled", "prefix", "suffix", "version", "table", "bucket",
        "queue", "topic", "stream", "port", "field", "fields", "column", "location", "rotation",
        "alias", "level", "mode", "format", "algorithm", "alg", "scheme", "kind", "strategy",
        "provider", "duration", "interval", "lifetime", "age", "template", "subject", "schedule",
        "use", "scope", "scopes", "label", "tag", "tags", "index", "attribute", "attr", "store",
        "manager", "cache", "config", "configuration", "source", "backend", "service", "role",
        "user", "username", "email", "validation", "validator", "regex", "pattern", "hint", "flag",
        "ratio", "rate", "env", "var", "variable", "page", "route", "link", "redirect", "callback",
        "message", "msg", "text", "title", "description", "desc", "display", "sender",
    }
)

# Names that start with these describe behaviour (ENABLE_TOKEN_CACHE) and hold flags.
_FLAG_PREFIXES = frozenset({"enable", "disable", "use", "is", "has", "allow", "skip", "require", "should"})

# Configuration namespaces of AWS-provided runtimes, extensions and libraries: their names mention
# SECRETS or TOKEN (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT) but they never carry a credential.
_CONFIG_NAMESPACES = (
    "aws_lambda_",
    "powertools_",
    "parameters_secrets_extension_",
    "secrets_manager_",
    "ssm_parameter_store_",
    "aws_appconfig_",
    "aws_xray_",
    "_x_amzn_",
)

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _name_tokens(name: str) -> list[str]:
    """Split on separators *and* camelCase so ``dbPassword``, ``db-password`` and ``DB_PASSWORD`` agree."""
    return [t.lower() for part in re.split(r"[^A-Za-z0-9]+", name) for t in _CAMEL.findall(part)]


def _singular(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token


def _has_secret_word(tokens: list[str]) -> bool:
    for i, tok in enumerate(tokens):
        one = _singular(tok)
        if any(word in one for word in _SECRET_SUBSTRINGS):
            return True
        if one in _SECRET_TOKENS or (one in _SECRET_LAST_TOKENS and i == len(tokens) - 1):
            return True
        # ACCESSTOKEN, authToken, BotToken... but not TOKENIZER.
        if one.endswith("token") and len(one) > 5:
            return True
        if one == "key" and i > 0 and tokens[i - 1] in _KEY_QUALIFIERS:
            return True
    return False


def is_secret_name(name: str) -> bool:
    """Whether the variable *name* promises a secret value.

    Only the name is judged, so the rule can flag ``DB_PASSWORD: !Ref DbPassword`` without seeing a
    value.  Names that describe a secret (``SECRET_ARN``, ``TOKEN_TTL_SECONDS``), flags
    (``ENABLE_TOKEN_CACHE``) and AWS runtime configuration (``PARAMETERS_SECRETS_EXTENSION_*``,
    ``POWERTOOLS_*``, ``AWS_LAMBDA_*``) are not secret-named: flagging them would train users to ignore
    the rule.
    """
    lowered = name.strip().lower()
    if not lowered or lowered == "pwd":  # PWD is the shell's working directory.
        return False
    if lowered.startswith(_CONFIG_NAMESPACES):
        return False
    tokens = _name_tokens(name)
    if not tokens:
        return False
    if _singular(tokens[-1]) in _METADATA_SUFFIXES or tokens[-1] in _METADATA_SUFFIXES:
        return False
    if len(tokens) > 1 and tokens[0] in _FLAG_PREFIXES:
        return False
    return _has_secret_word(tokens)


@functools.lru_cache(maxsize=64)
def _compile_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _is_secret_named(name: str, extra_name_patterns: tuple[str, ...]) -> bool:
    """User patterns win over the metadata-suffix exclusions: they are an explicit statement."""
    if is_secret_name(name):
        return True
    return any(p.search(name) for p in _compile_patterns(tuple(extra_name_patterns)))


# --------------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------------

# Public prefixes that identify the provider without revealing key material.  Longest first so
# ``sk-proj-`` wins over ``sk-``.  A prefix is only shown when enough secret follows it, so the hint
# can never reproduce a short value in full.
_PUBLIC_PREFIXES = tuple(
    sorted(
        (
            "AKIA", "ASIA", "ABIA", "ACCA", "A3T",
            "sk_live_", "rk_live_", "sk_test_", "rk_test_", "pk_live_", "whsec_",
            "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
            "xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxs-", "xoxr-", "xapp-",
            "glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-", "glagent-",
            "gloas-", "GR1348941",
            "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-ant-", "sk-",
            "SG.", "npm_", "pypi-", "hf_", "AIza", "GOCSPX-", "shpat_", "shpss_", "shpca_", "shppa_",
            "dop_v1_", "doo_v1_", "dor_v1_", "PMAK-", "NRAK-", "ATATT", "dapi", "sq0csp-", "key-",
            "https://hooks.slack.com/services/", "eyJ",
        ),
        key=len,
        reverse=True,
    )
)
_MIN_SECRET_AFTER_PREFIX = 8
_PEM_HEADER = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def _first_safe(value: str, candidates: Iterable[str]) -> str:
    """Return the first candidate that does not happen to contain the value itself."""
    for candidate in candidates:
        if not value or value not in candidate:
            return candidate
    return "<redacted>"


def redact(text: str) -> str:
    """A hint safe to print for any value: what kind of value it is and its length, never its content.

    Only a public provider prefix (``AKIA``, ``sk_live_``, ``ghp_``, a PEM header, a URL scheme) is
    kept, because it tells the reader which credential to rotate without helping anyone use it.
    """
    n = len(text)
    size = f"({n} chars)"
    stripped = text.strip()
    if stripped.startswith("{{resolve:"):
        service = stripped[len("{{resolve:") :].split(":", 1)[0]
        candidates = ["{{resolve:…}}", f"dynamic reference, {n} chars"]
        if re.fullmatch(r"[a-z\-]{2,20}", service):
            candidates.insert(0, f"{{{{resolve:{service}:…}}}}")
        return _first_safe(text, candidates)
    pem = _PEM_HEADER.search(text)
    if pem:
        return _first_safe(text, (f"{pem.group(0)}… {size}", f"private key {size}"))
    for prefix in _PUBLIC_PREFIXES:
        if stripped.startswith(prefix) and len(stripped) >= len(prefix) + _MIN_SECRET_AFTER_PREFIX:
            return _first_safe(text, (f"{prefix}… {size}", f"literal, {n} chars", "<redacted>"))
    scheme = _URL_SCHEME.match(stripped)
    if scheme and len(scheme.group(1)) <= 16:
        rest = "…:…@…" if "@" in stripped else "…"
        return _first_safe(text, (f"{scheme.group(1)}://{rest} {size}", f"URL, {n} chars", "<redacted>"))
    kind = "multi-line literal" if "\n" in text else "literal"
    return _first_safe(text, (f"{kind}, {n} chars", f"{n}-char literal", "<redacted>"))


# --------------------------------------------------------------------------------------------------
# Value shapes
# --------------------------------------------------------------------------------------------------

_BOOLEANS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "y", "n"})
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_UUID = re.compile(r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?")
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]+")
_ARN = re.compile(r"arn:aws[a-z\-]*:")
_SEMVER_OR_DATE = re.compile(r"v?\d+(?:[.\-:/T]\d+)+(?:[-+][0-9A-Za-z.\-]+)?Z?")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}\.?")
_EMAIL = re.compile(r"[^@\s]+@" + _DOMAIN.pattern)
# CloudFormation physical ids: words joined by '-' plus a 8-13 char upper-case random suffix.
_CFN_GENERATED = re.compile(r"(?:[A-Za-z0-9]+-)+[A-Z0-9]{8,13}")
# CDK logical ids: CamelCase words plus an 8-hex-digit hash (LambdaFunctionServiceRoleD6E423C9).
_CDK_LOGICAL_ID = re.compile(r"(?:[A-Z][a-z0-9]+)+[A-F0-9]{8}")
# EC2-style resource ids: ami-0d865164de9113b45, subnet-071f712345678e7c8, sg-0123abcd.
_AWS_RESOURCE_ID = re.compile(r"[a-z][a-z0-9]{0,15}-[0-9a-f]{8,17}")
# A single ``$var`` / ``$context.requestId`` reference (shell, API Gateway mapping templates).
_DOLLAR_REFERENCE = re.compile(r"\$\{?[A-Za-z_][\w.:\-]*\}?")
# KMS ciphertext blobs (AQICAH…) and AWS Encryption SDK messages (AYAD…): encrypting a variable with
# KMS and decrypting it at run time is the pattern AWS documents, so such values are not findings.
_KMS_CIPHERTEXT = re.compile(r"(?:AQICAH|AQIBAH|AQIDAH|AYAD)[A-Za-z0-9+/]{60,}={0,2}")
# Placeholders filled in at deploy or render time: ${X}, $(X), {{X}}, <<X>>, %{X}, and the
# supplementary private-use characters lambdalint's model uses for values it could not resolve.
_INTERPOLATION = re.compile(
    r"\$\{[^{}]*\}|\$\([^()]*\)|\{\{[^{}]*\}\}|<<[^<>]*>>|%\{[^{}]*\}|[\U000F0000-\U0010FFFF]+"
)
_WORD_RUNS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_B64_CHARS = re.compile(r"[A-Za-z0-9+/=_\-]+")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_.\-+=@,~*]+")
_STORE_PATH = re.compile(r"[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)+/?")


def _is_trivial(value: str) -> bool:
    """Empty values, flags and small numbers cannot be a credential even under a secret name."""
    v = value.strip().strip("\"'")
    if not v:
        return True
    if v.lower() in _BOOLEANS:
        return True
    return bool(_NUMBER.fullmatch(v)) and len(v) <= 6


def _word_run_mean(text: str) -> float:
    """Mean length of letter/digit runs; identifiers have long runs, random tokens very short ones.

    ``PowertoolsHelloWorld`` splits into runs of 10, 5, 5; a random base64 token switches between
    upper case, lower case and digits every one or two characters.
    """
    runs = _WORD_RUNS.findall(text)
    return sum(map(len, runs)) / len(runs) if runs else 0.0


def _looks_random(segment: str) -> bool:
    """Whether one path/name segment looks like generated key material rather than a word."""
    alnum = re.sub(r"[^A-Za-z0-9]", "", segment)
    if len(alnum) < 8:
        return False
    if _HEX.fullmatch(alnum) and not alnum.isalpha():
        return len(alnum) >= 16
    has_digit = any(c.isdigit() for c in alnum)
    has_upper = any(c.isupper() for c in alnum)
    has_lower = any(c.islower() for c in alnum)
    if not (has_digit or (has_upper and has_lower)):
        return False
    return _word_run_mean(alnum) < 2.6


def _is_word_path(value: str, *, leading_slash: bool) -> bool:
    """SSM parameter paths, Secrets Manager names (``prod/db/credentials``), S3 keys, file paths."""
    if leading_slash and not value.startswith("/"):
        return False
    if any(c.isspace() for c in value) or "/" not in value:
        return False
    segments = [s for s in value.split("/") if s]
    if not segments:
        return True
    return all(_PATH_SEGMENT.fullmatch(s) and not _looks_random(s) for s in segments)


def _without_interpolation(value: str) -> str:
    return _INTERPOLATION.sub("", value)


def _is_interpolated(value: str) -> bool:
    return bool(_INTERPOLATION.search(value))


def _is_store_slug(value: str) -> bool:
    """``myapp-db-secret``, ``prod_api_credentials``: the name of a store entry, not its content."""
    if not re.fullmatch(r"[a-z0-9]+(?:[-_.][a-z0-9]+)+", value):
        return False
    words = re.split(r"[-_.]", value)
    store_words = {"secret", "secrets", "credential", "credentials", "creds", "password", "token", "key"}
    return any(w in store_words for w in words) and not any(_looks_random(w) for w in words)


def _is_plain_url(value: str) -> bool:
    """A URL whose path and query are words: an endpoint, not a webhook URL with a token inside."""
    if not _URL_SCHEME.match(value) or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if "@" in parts.netloc:
        return False
    pieces = [p for p in re.split(r"[/?&=#;]", f"{parts.path}?{parts.query}") if p]
    return not any(_looks_random(p) for p in pieces)


def _is_reference_literal(value: str, tokens: list[str]) -> bool:
    """A literal that points at a secret (ARN, SSM path, store name, ``${Param}``) instead of being one."""
    v = value.strip()
    if _ARN.match(v) or v.startswith("{{resolve:") or _is_plain_url(v):
        return True
    if _DOLLAR_REFERENCE.fullmatch(v) or _KMS_CIPHERTEXT.fullmatch(v):
        return True
    if _is_word_path(v, leading_slash=True):
        return True
    if _is_interpolated(v):
        rest = _without_interpolation(v)
        # ``${DbPassword}`` or ``${AWS::StackName}-db-secret``: only glue around the placeholders.
        if not any(_looks_random(s) for s in re.split(r"[^A-Za-z0-9]+", rest)):
            return True
    if _STORE_PATH.fullmatch(v) and re.search(r"[a-z]{3}", v) and _is_word_path(v, leading_slash=False):
        # prod/db/credentials.  A password with '/' in it is random, or has characters (@ ! + ...)
        # that store names written by hand do not.
        return True
    # A name ending in SECRET/CREDENTIALS names a store entry, so a slug value is that entry's name.
    last = _singular(tokens[-1]) if tokens else ""
    return last in {"secret", "credential", "cred"} and _is_store_slug(v)


_PLACEHOLDER = re.compile(
    r"^<[^<>]+>$|^\[[^\[\]]+\]$|x{4,}|\*{3,}|changeme|change[-_ ]me|replace|placeholder|dummy|example|"
    r"your[-_ ]|todo|fixme|insert[-_ ]|put[-_ ]|enter[-_ ]|^(?:secret|password|token|test|foo|bar)$",
    re.IGNORECASE,
)


def _is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value.strip()))


# --------------------------------------------------------------------------------------------------
# Credential shapes in a literal (rule 1)
# --------------------------------------------------------------------------------------------------

@functools.cache
def _extra_providers() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Providers detect-secrets 1.5 has no plugin for, or whose plugin misses current token formats.

    Compiled on first use: together they cost a few milliseconds that a run without literal values
    should not pay.
    """
    return (
        (
            "a GitHub fine-grained personal access token",
            re.compile(r"github_pat_[A-Za-z0-9]{20,}_[A-Za-z0-9]{40,}"),
        ),
        ("an npm access token", re.compile(r"npm_[A-Za-z0-9]{36}")),
        ("a Stripe test-mode secret key", re.compile(r"[sr]k_test_[0-9A-Za-z]{24,}")),
        ("a Stripe webhook signing secret", re.compile(r"whsec_[A-Za-z0-9+/=]{24,}")),
        ("a Slack app-level token", re.compile(r"xapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]{20,}")),
        ("an Anthropic API key", re.compile(r"sk-ant-[a-z]+\d*-[A-Za-z0-9_\-]{40,}")),
        ("an OpenAI API key", re.compile(r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}")),
        ("an API secret key (sk-…)", re.compile(r"^sk-[A-Za-z0-9]{32,}$")),
        ("a Google API key", re.compile(r"AIza[0-9A-Za-z_\-]{35}")),
        ("a Google OAuth client secret", re.compile(r"GOCSPX-[A-Za-z0-9_\-]{28}")),
        ("a Hugging Face access token", re.compile(r"\bhf_[A-Za-z]{34}\b")),
        ("a Shopify access token", re.compile(r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}")),
        ("a DigitalOcean token", re.compile(r"do[por]_v1_[a-f0-9]{64}")),
        ("a Postman API key", re.compile(r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}")),
        ("a New Relic user API key", re.compile(r"NRAK-[A-Z0-9]{27}")),
        ("a Databricks access token", re.compile(r"\bdapi[a-f0-9]{32}\b")),
        ("a Mailgun API key", re.compile(r"^key-[0-9a-f]{32}$")),
        ("an Atlassian API token", re.compile(r"ATATT3[A-Za-z0-9_\-=]{100,}")),
        (
            "a Discord webhook URL",
            re.compile(r"https://(?:\w+\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w\-]{40,}"),
        ),
        ("a private key", _PEM_HEADER),
    )


_CONN_STRING_SECRET = re.compile(
    r"(?:^|;)\s*(?:password|pwd|accountkey|sharedaccesskey|sharedaccesssignature|clientsecret)\s*=\s*([^;]+)",
    re.IGNORECASE,
)

def _bounded(value: str, match: str, trailing: bool) -> bool:
    """Reject matches glued inside a longer alphanumeric run (``XAKIA…`` inside a generated name)."""
    start = value.find(match)
    if start < 0:
        return True
    if start > 0 and value[start - 1].isalnum():
        return False
    end = start + len(match)
    return not (trailing and end < len(value) and value[end].isalnum())


def _jwt_is_real(value: str) -> bool:
    """detect-secrets' JWT regex ends lazily (it never captures the signature) and accepts two segments,
    so candidates are cut here, then checked with its validator plus an ``alg`` header."""
    from lambdalint import provider_patterns

    for candidate in re.findall(r"eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*", value):
        if not provider_patterns.jwt_is_formally_valid(candidate):
            continue
        header = candidate.split(".", 1)[0]
        try:
            decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            continue
        if isinstance(decoded, dict) and "alg" in decoded:
            return True
    return False


# Query parameters that carry a bearer credential although their names are not secret-like: Azure SAS
# signatures, Azure Functions keys, S3/GCS presigned-URL signatures and session tokens.
_SIGNATURE_QUERY_KEYS = frozenset(
    {"sig", "signature", "code", "x-amz-signature", "x-amz-security-token", "x-goog-signature"}
)


def _url_credentials(value: str) -> str | None:
    """A reason when a URL carries credentials in its userinfo or a secret-named query parameter."""
    if "://" not in value:
        return None
    # Bounded scheme and a boundary before it keep this linear on long values without "://".
    for match in re.finditer(r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s\"'<>]+", value):
        url = match.group(0)
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        netloc = parts.netloc
        if "@" in netloc:
            userinfo = netloc.rsplit("@", 1)[0]
            if ":" in userinfo:
                password = userinfo.split(":", 1)[1]
                if _is_interpolated(password) and not _without_interpolation(password):
                    return (
                        "URL embeds a password interpolated at deploy time; it is stored in plaintext "
                        "in the function configuration"
                    )
                if password and not _is_placeholder(password):
                    return "value is a URL with an embedded password"
        try:
            query = parse_qsl(parts.query, keep_blank_values=False)
        except ValueError:
            query = []
        for key, val in query:
            if _is_interpolated(val):
                continue
            if (is_secret_name(key) and len(val) >= 8) or (
                key.lower() in _SIGNATURE_QUERY_KEYS and (_looks_random(val) or len(val) >= 20)
            ):
                return "value is a URL with a credential in its query string"
    return None


def _provider_reason(name: str, value: str) -> str | None:
    """Rule 1: a literal that is a credential whatever the variable is called."""
    # Pure-Python shapes first; they need no import and cover the short credentials (URLs, DSNs).
    url_reason = _url_credentials(value)
    if url_reason:
        return url_reason
    conn = _CONN_STRING_SECRET.search(value)
    if conn and ";" in value:
        secret = conn.group(1).strip()
        if secret and not _is_interpolated(secret) and not _is_placeholder(secret):
            return "value is a connection string with an embedded key or password"
    # The shortest provider credential, an AWS key id, has 20 characters; compiling the provider
    # patterns costs ~4 ms, which a run without long literals does not pay.
    if len(value) < 16:
        return None
    from lambdalint.provider_patterns import AWS_SECRET_ACCESS_KEY, PROVIDERS

    for provider in PROVIDERS:
        if provider.needle not in value:
            continue
        for found in provider.matches(value):
            if found and _bounded(value, found, provider.trailing):
                return f"value is {provider.reason}"
    for reason, pattern in _extra_providers():
        if pattern.search(value):
            return f"value is {reason}"
    if "eyJ" in value and _jwt_is_real(value):
        return "value is a JSON Web Token"
    if len(value) >= 40 and AWS_SECRET_ACCESS_KEY.search(f'{name} = "{value}"'):
        return "value is an AWS secret access key"
    return None


# Thresholds for the entropy test, measured on the 1,299-unit real-template corpus (shared/corpus/real)
# (every string scalar in it, ~26,700 values, judged under a neutral name) and on generated tokens:
# - random mixed-case alphanumeric tokens have a mean letter/digit run length <= 2.67 in 99% of draws
#   at 32+ chars (3.3 at 20 chars), while corpus identifiers that pass the shape filters are >= 3.17;
# - single-case tokens without separators (``a8f3kd92...``) have longer runs (p95 4.0) but corpus
#   values of that shape are words (``filebucket89283owef9283``, >= 5.7), so they get a looser bar;
# - Shannon entropy (detect-secrets' base64 measure) of random 20-char tokens is >= 3.78 in 95% of
#   draws and grows ~0.6 bit per doubling of length, so the bar scales with length.
_ENTROPY_MIN_LEN = 20
_B64_ENTROPY_LIMIT = 3.7
_RUN_MEAN_LIMIT = 2.8
_SINGLE_CASE_MIN_LEN = 24
_SINGLE_CASE_RUN_MEAN_LIMIT = 3.6


def _entropy_limit(length: int) -> float:
    """Short strings cannot reach high Shannon entropy, so the bar rises with length up to 4.3 bits."""
    return min(4.3, _B64_ENTROPY_LIMIT + 0.6 * math.log2(max(length, _ENTROPY_MIN_LEN) / _ENTROPY_MIN_LEN))


def _is_ordinary(value: str) -> bool:
    """Values with the shape of configuration: they may be long and varied but are not key material."""
    v = value.strip()
    if any(c.isspace() for c in v):
        return True
    if _UUID.fullmatch(v) or _HEX.fullmatch(v) or _ARN.match(v) or _URL_SCHEME.match(v):
        return True
    if _is_interpolated(v) or _SEMVER_OR_DATE.fullmatch(v) or _NUMBER.fullmatch(v):
        return True
    if _DOMAIN.fullmatch(v) or _EMAIL.fullmatch(v) or _CFN_GENERATED.fullmatch(v):
        return True
    if _CDK_LOGICAL_ID.fullmatch(v) or _AWS_RESOURCE_ID.fullmatch(v) or _KMS_CIPHERTEXT.fullmatch(v):
        return True
    # snake/kebab identifiers (s3bucket_non_pii_data): every separated part reads as a word.  A random
    # base64url token has separators too, but its parts are themselves random.
    if re.search(r"[-_]", v):
        parts = [p for p in re.split(r"[-_+/=]+", v) if p]
        if len(parts) > 1 and not any(_looks_random(p) for p in parts):
            return True
    return _is_word_path(v, leading_slash=False) or _is_word_path(v, leading_slash=True)


def _decoded_text(value: str) -> str | None:
    """Text behind a base64 value, when it is text; random key material decodes to binary."""
    v = value.strip()
    if len(v) < 16 or len(v) % 4 == 1 or not _B64_CHARS.fullmatch(v):
        return None
    try:
        raw = base64.b64decode(v + "=" * (-len(v) % 4), altchars=b"-_" if "-" in v or "_" in v else None)
        text = raw.decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if text and all(c.isprintable() or c in "\r\n\t" for c in text):
        return text
    return None


def _high_entropy_reason(value: str) -> str | None:
    """A long random-looking token under an ordinary name.

    This is the noisy test, so it only fires on a single base64-alphabet token that survives the
    ordinary-shape filters (hex digests, UUIDs, ids, paths, base64 of text...), is made of short
    letter/digit runs rather than words, and clears a length-scaled Shannon-entropy bar.
    """
    v = value.strip()
    if len(v) < _ENTROPY_MIN_LEN or not _B64_CHARS.fullmatch(v) or _is_ordinary(v):
        return None
    if _decoded_text(v) is not None:
        return None
    letters = sum(c.isalpha() for c in v)
    digits = sum(c.isdigit() for c in v)
    if letters < 4:
        return None
    single_case = v.isalnum() and (v.lower() == v or v.upper() == v)
    if single_case:
        if len(v) < _SINGLE_CASE_MIN_LEN or digits < 3 or _word_run_mean(v) >= _SINGLE_CASE_RUN_MEAN_LIMIT:
            return None
    elif _word_run_mean(v) >= _RUN_MEAN_LIMIT:
        return None
    from lambdalint.provider_patterns import base64_shannon_entropy

    if base64_shannon_entropy(v) < _entropy_limit(len(v)):
        return None
    return "value is a long high-entropy string that looks like key material"


def _json_reason(value: str, depth: int, extra: tuple[str, ...]) -> str | None:
    """JSON config in one variable: judge each field as if it were its own variable."""
    v = value.strip()
    if depth > 2 or not (v.startswith("{") and v.endswith("}")) or len(v) > 100_000:
        return None
    try:
        doc = json.loads(v)
    except (ValueError, RecursionError):
        return None

    def fields(node: object) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, child in node.items():
                if isinstance(child, str):
                    yield str(key), child
                else:
                    yield from fields(child)
        elif isinstance(node, list):
            for child in node:
                yield from fields(child)

    try:
        for key, text in fields(doc):
            hit = _literal_hit(key, text, depth + 1, extra)
            if hit is not None:
                return f"JSON value has a field that holds a secret: {hit.reason}"
    except RecursionError:  # pathological nesting: not configuration anyone writes by hand
        return None
    return None


def _literal_hit(name: str, value: str, depth: int, extra: tuple[str, ...]) -> SecretHit | None:
    """Value rules run before name rules so a recognisable credential gets its specific reason (and
    is caught under metadata names too); the reference and placeholder checks only soften the name
    rule, never a value that is itself a credential.  ``depth`` bounds recursion into JSON fields."""
    if _is_trivial(value):
        return None
    v = value.strip()
    secret_named = _is_secret_named(name, extra)
    if v.startswith("{{resolve:") and v.endswith("}}"):
        return _dynamic_hit(name, v, "secretsmanager", secret_named)
    hint = redact(value)

    reason = _provider_reason(name, v)
    if reason:
        return SecretHit(reason, hint)

    json_reason = _json_reason(v, depth, extra)
    if json_reason:
        return SecretHit(json_reason, hint)
    decoded = _decoded_text(v)
    if decoded is not None and decoded.lstrip().startswith("{"):
        inner = _json_reason(decoded, depth, extra)
        if inner:
            return SecretHit(f"base64 value decodes to JSON; {inner}", hint)

    if secret_named:
        if re.fullmatch(r"\$\{\s*var\.[A-Za-z0-9_\-]+\s*\}", v):
            return _PARAMETER_HIT
        if _is_reference_literal(v, _name_tokens(name)):
            return None
        if _is_placeholder(v):
            return SecretHit(
                "secret-named variable holds a literal placeholder; filling it in would store the "
                "secret in plaintext in the function configuration",
                hint,
            )
        return SecretHit("secret-named variable holds a literal value", hint)

    reason = _high_entropy_reason(v)
    return SecretHit(reason, hint) if reason else None


_PARAMETER_HIT = SecretHit(
    "secret-named variable is set from a deploy-time parameter; its value is stored in plaintext in "
    "the function configuration",
    "deploy-time parameter",
)

# Fields of an RDS-style secret that are not themselves secret: resolving ``...:SecretString:host``
# into DB_HOST is ordinary configuration.
_NON_SECRET_FIELDS = frozenset(
    {
        "username", "user", "host", "hostname", "port", "dbname", "database", "engine", "endpoint",
        "region", "name", "id", "arn", "schema", "cluster", "instance", "dbinstanceidentifier",
    }
)


def _resolved_json_key(text: str) -> str | None:
    """The json-key of ``{{resolve:secretsmanager:secret-id:SecretString:json-key:...}}``, if any.

    The secret id may be a full ARN, which has colons of its own.
    """
    m = re.search(r"\{\{resolve:secretsmanager:(.*)\}\}", text)
    if not m:
        return None
    parts = re.sub(r"\$\{[^}]*\}", "ref", m.group(1)).split(":")
    id_len = 7 if parts[0] == "arn" else 1
    rest = parts[id_len:]
    return rest[1] if len(rest) >= 2 and rest[1] else None


def _dynamic_hit(name: str, text: str | None, default_service: str, secret_named: bool) -> SecretHit | None:
    """Dynamic references are expanded into the function configuration at deploy time.

    ``{{resolve:secretsmanager|ssm-secure}}`` yields a secret under any variable name, except when it
    visibly selects a public field (``...:SecretString:username``) for a variable not named like a
    secret; a plain ``{{resolve:ssm}}`` parameter only matters under a secret name.
    """
    service = default_service
    if text:
        m = re.search(r"\{\{resolve:([a-z\-]+):", text)
        if m:
            service = m.group(1)
    if text and text.strip().startswith("{{resolve:"):
        hint = redact(text)
    else:
        hint = _first_safe(text or "", (f"{{{{resolve:{service}:…}}}}", "dynamic reference"))
    if service == "ssm":
        if not secret_named:
            return None
        return SecretHit(
            "{{resolve:ssm}} is resolved into plaintext in the function configuration at deploy time; "
            "store the value as a SecureString or in Secrets Manager and read it at run time instead",
            hint,
        )
    if not secret_named:
        field = _resolved_json_key(text or "")
        tokens = _name_tokens(name)
        if (field and field.lower() in _NON_SECRET_FIELDS) or (tokens and tokens[-1] in _NON_SECRET_FIELDS):
            return None
    return SecretHit(
        f"{{{{resolve:{service}}}}} is resolved into plaintext in the function configuration at deploy "
        "time; read the secret at run time instead",
        hint,
    )


def check_env_var(
    name: str,
    kind: ValueKind,
    text: str | None,
    extra_name_patterns: tuple[str, ...] = (),
) -> SecretHit | None:
    """Judge one environment variable; ``None`` means no LL201 finding.

    ``text`` is the literal (for ``literal``) or the ``{{resolve:...}}`` string (for the dynamic
    kinds) when the caller has it.  ``extra_name_patterns`` are user regexes (searched,
    case-insensitive) that mark more names as secret-named; an invalid one raises ``re.error`` so the
    configuration loader can report it.
    """
    extra = tuple(extra_name_patterns)
    if kind == "literal":
        return None if text is None else _literal_hit(name, text, 0, extra)
    if kind == "parameter":
        if _is_secret_named(name, extra):
            return _PARAMETER_HIT
        # ``!Sub postgres://app:${DbPassword}@host/db``: when the caller passes the template text, a
        # parameter spliced into a URL's password is the same leak under an ordinary name.
        reason = _url_credentials(text) if text else None
        return SecretHit(reason, redact(text)) if reason and text else None
    if kind == "dynamic-secret":
        return _dynamic_hit(name, text, "secretsmanager", _is_secret_named(name, extra))
    if kind == "dynamic-plain":
        return _dynamic_hit(name, text, "ssm", _is_secret_named(name, extra))
    # store-reference, resource-reference, unknown: the function receives a pointer, not the secret.
    return None
