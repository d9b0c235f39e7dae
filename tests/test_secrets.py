"""Tests for lambdalint.secrets (rule LL201 secret-in-environment).

Every credential below is generated at run time from a seeded RNG and assembled by concatenation,
so no real-looking token is ever committed (push protection and secret scanners stay quiet) while
each value still has the exact shape the detectors look for.
"""

from __future__ import annotations

import base64
import json
import random
import string
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalint.secrets import SecretHit, ValueKind, check_env_var, is_secret_name, redact

_RNG = random.Random(20240611)
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _pem(kind: str) -> str:
    body = secret("MIIEow" + "\n".join(rand(64, ALNUM + "+/") for _ in range(4)))
    return f"-----BEGIN {kind}-----\n" + body + f"\n-----END {kind}-----\n"


# The part of a value that must never be shown, when it is not simply "everything after the public
# prefix" (PEM armour lines, URL schemes and hosts, connection-string keywords are public).
_SECRET_PARTS: list[str] = []


def secret(part: str) -> str:
    """Register ``part`` as the secret inside a larger value and return it for concatenation."""
    assert len(part) >= 6
    _SECRET_PARTS.append(part)
    return part


def _secret_part_of(value: str, prefix: str) -> str:
    for part in _SECRET_PARTS:
        if part in value:
            return part
    return value[len(prefix) :] if prefix and value.startswith(prefix) else value


JWT = (
    b64url({"alg": "HS256", "typ": "JWT"})
    + "."
    + b64url({"sub": "1234567890", "iat": 1516239022})
    + "."
    + rand(43, B64URL)
)

# (case id, variable name, value, public prefix the hint may show, expected words in the reason)
POSITIVE_LITERALS: list[tuple[str, str, str, str, str]] = [
    ("aws-key-id", "SOME_VALUE", "AKIA" + "IOSFODNN7EXAMPLE", "AKIA", "AWS access key id"),
    ("aws-temp-key-id", "X", "ASIA" + rand(16, UPPER_ALNUM), "ASIA", "AWS access key id"),
    (
        "aws-secret-key-aws-name",
        "AWS_KEY_2",
        "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
        "",
        "AWS secret access key",
    ),
    (
        "rsa-private-key",
        "CERT_BLOB",
        _pem("RSA " + "PRIVATE KEY"),
        "-----BEGIN RSA PRIVATE KEY-----",
        "private key",
    ),
    (
        "openssh-private-key",
        "SSH",
        _pem("OPENSSH " + "PRIVATE KEY"),
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "private key",
    ),
    (
        "encrypted-pkcs8-key",
        "SSH",
        _pem("ENCRYPTED " + "PRIVATE KEY"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "private key",
    ),
    ("stripe-live", "PAYMENTS", "sk_" + "live_" + rand(24), "sk_live_", "Stripe"),
    ("stripe-restricted", "PAYMENTS", "rk_" + "live_" + rand(99), "rk_live_", "Stripe"),
    ("stripe-test", "PAYMENTS", "sk_" + "test_" + rand(24), "sk_test_", "Stripe"),
    ("stripe-webhook", "STRIPE_HOOK", "whsec_" + rand(32), "whsec_", "Stripe webhook"),
    ("github-ghp", "GH", "ghp" + "_" + rand(36), "ghp_", "GitHub"),
    ("github-gho", "GH", "gho" + "_" + rand(36), "gho_", "GitHub"),
    ("github-ghs", "GH", "ghs" + "_" + rand(36), "ghs_", "GitHub"),
    ("github-fine-grained", "GH", "github" + "_pat_" + rand(22) + "_" + rand(59), "github_pat_", "GitHub"),
    (
        "slack-bot",
        "SLACK",
        "xox" + "b-" + rand(12, "0123456789") + "-" + rand(13, "0123456789") + "-" + rand(24, LOWER_ALNUM),
        "xoxb-",
        "Slack",
    ),
    (
        "slack-user",
        "SLACK",
        "xox" + "p-" + rand(12, "0123456789") + "-" + rand(12, "0123456789") + "-" + rand(32, LOWER_ALNUM),
        "xoxp-",
        "Slack",
    ),
    (
        "slack-webhook",
        "NOTIFY_URL",
        "https://hooks.slack.com/services/" + "T" + rand(8, UPPER_ALNUM) + "/B" + rand(8, UPPER_ALNUM) + "/" + rand(24),
        "https://hooks.slack.com/services/",
        "Slack",
    ),
    ("jwt", "BEARER", JWT, "eyJ", "JSON Web Token"),
    ("gitlab", "GL", "glpat" + "-" + rand(20, B64URL), "glpat-", "GitLab"),
    ("openai-legacy", "LLM", "sk-" + rand(20) + "T3Blbk" + "FJ" + rand(20), "sk-", "OpenAI"),
    ("openai-project", "LLM", "sk-" + "proj-" + rand(120, B64URL), "sk-proj-", "OpenAI"),
    ("anthropic", "LLM", "sk-" + "ant-api03-" + rand(93, B64URL), "sk-ant-", "Anthropic"),
    ("sendgrid", "MAIL", "SG." + rand(22, B64URL) + "." + rand(43, B64URL), "SG.", "SendGrid"),
    ("twilio-api-key", "SMS", "SK" + rand(32, HEX), "", "Twilio"),
    ("npm", "REGISTRY", "npm" + "_" + rand(36), "npm_", "npm"),
    ("google-api-key", "MAPS", "AIza" + rand(35, B64URL), "AIza", "Google API key"),
    ("pypi", "UPLOAD", "pypi-" + "AgEIcHlwaS5vcmc" + rand(80, B64URL), "pypi-", "PyPI"),
    ("mailchimp", "NEWSLETTER", rand(32, LOWER_ALNUM) + "-us" + "14", "", "Mailchimp"),
    ("telegram", "BOT", rand(10, "123456789") + ":" + rand(35, B64URL), "", "Telegram"),
    ("high-entropy-alnum", "OPAQUE", rand(40), "", "high-entropy"),
    ("high-entropy-b64", "OPAQUE", rand(43, ALNUM + "+/") + "=", "", "high-entropy"),
    (
        "postgres-url",
        "DATABASE_URL",
        "postgres://app:" + secret(rand(18)) + "@db.example.com:5432/app",
        "",
        "URL",
    ),
    (
        "https-token-url",
        "REPO",
        "https://deploy:" + secret(rand(30)) + "@git.example.com/org/repo.git",
        "",
        "URL",
    ),
    (
        "mongo-srv-url",
        "MONGO",
        "mongodb+srv://svc:" + secret(rand(16)) + "@cluster0.abcde.mongodb.net/db",
        "",
        "URL",
    ),
    ("url-query-token", "HOOK", "https://api.example.com/hook?token=" + secret(rand(32)), "", "query string"),
    (
        "azure-sas-url",
        "BLOB_URL",
        "https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=" + secret(rand(43, ALNUM + "%")),
        "",
        "query string",
    ),
    ("azure-function-key-url", "HOOK", "https://fn.azurewebsites.net/api/hook?code=" + secret(rand(54)), "", "query"),
    (
        "tf-interpolated-url-password",
        "sqlalchemy_database_uri",
        "postgresql://app:${var.db_password}@${var.db_host}/app",
        "postgresql://app:${var.db_password}@",  # no secret in the value itself, only a reference
        "interpolated",
    ),
    (
        "connection-string",
        "SQL",
        "Server=tcp:db.example.com;Database=app;User Id=app;Password=" + secret(rand(20)) + ";",
        "",
        "connection string",
    ),
    (
        "azure-storage",
        "BLOBS",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + secret(rand(86, ALNUM + "+/") + "=="),
        "",
        "",
    ),
    ("secret-named", "DB_PASSWORD", rand(14), "", "secret-named variable holds a literal value"),
    ("secret-named-short", "SMTP_PASS", rand(6), "", "literal value"),
    ("camel-case", "dbPassword", rand(12), "", "literal value"),
    ("kebab-case", "db-password", rand(12), "", "literal value"),
    ("pascal-case", "DbPassword", rand(12), "", "literal value"),
    ("dotted", "db.password", rand(12), "", "literal value"),
    ("all-caps-glued", "DBPASSWORD", rand(12), "", "literal value"),
    ("rails-secret-key-base", "SECRET_KEY_BASE", rand(128, HEX), "", "literal value"),
    ("django-secret-key", "SECRET_KEY", rand(50, ALNUM + "!@#%^&*(-_=+)"), "", "literal value"),
    ("client-secret", "OAUTH_CLIENT_SECRET", rand(24), "", "literal value"),
    ("api-key", "API_KEY", rand(32, HEX), "", "literal value"),
    ("api-key-camel", "apiKey", rand(32, HEX), "", "literal value"),
    ("apikey-glued", "APIKEY", rand(20), "", "literal value"),
    ("access-token", "accessToken", rand(20), "", "literal value"),
    ("bot-token", "TELEGRAM_BOT_TOKEN", rand(20), "", "literal value"),
    ("webhook-secret", "WEBHOOK_SECRET", rand(20), "", "literal value"),
    ("signing-key", "JWT_SIGNING_KEY", rand(20), "", "literal value"),
    ("encryption-key", "ENCRYPTION_KEY", rand(32, HEX), "", "literal value"),
    ("master-key", "MASTER_KEY", rand(20), "", "literal value"),
    ("auth-key", "AUTH_KEY", rand(20), "", "literal value"),
    ("private-key-name", "PRIVATE_KEY", rand(20), "", "literal value"),
    ("access-key", "S3_ACCESS_KEY", rand(20, UPPER_ALNUM), "", "literal value"),
    ("credentials", "SERVICE_CREDENTIALS", rand(20), "", "literal value"),
    ("passphrase", "KEY_PASSPHRASE", rand(20), "", "literal value"),
    ("db-pass", "DB_PASS", rand(10), "", "literal value"),
    ("twilio-auth-token", "TWILIO_AUTH_TOKEN", rand(32, HEX), "", "literal value"),
    ("password-with-slash", "DB_PASSWORD", "P@ss" + "w0rd/" + rand(4, string.digits), "", "literal value"),
    ("placeholder", "API_KEY", "<your Fixer API key>", "", "placeholder"),
    ("json-with-password", "DB_CONFIG", json.dumps({"host": "db", "password": secret(rand(16))}), "", "JSON"),
    (
        "base64-json-with-password",
        "DB_CONFIG_B64",
        base64.b64encode(json.dumps({"user": "app", "password": rand(16)}).encode()).decode(),
        "",
        "base64",
    ),
]


def _case_params() -> list[object]:
    return [pytest.param(name, value, prefix, words, id=cid) for cid, name, value, prefix, words in POSITIVE_LITERALS]


@pytest.mark.parametrize(("name", "value", "prefix", "words"), _case_params())
def test_positive_literals(name: str, value: str, prefix: str, words: str) -> None:
    hit = check_env_var(name, "literal", value)
    assert hit is not None, f"{name} not reported"
    assert words.lower() in hit.reason.lower()


@pytest.mark.parametrize(("name", "value", "prefix", "words"), _case_params())
def test_hits_never_leak_the_secret(name: str, value: str, prefix: str, words: str) -> None:
    hit = check_env_var(name, "literal", value)
    assert hit is not None
    shown = hit.reason + "\n" + hit.hint
    assert value not in shown
    secret_part = _secret_part_of(value, prefix)
    windows = {secret_part[i : i + 6] for i in range(len(secret_part) - 5)}
    leaked = sorted(w for w in windows if w in shown)
    assert not leaked, f"hint/reason shows part of the secret: {leaked}"


@pytest.mark.parametrize(
    ("alphabet", "length", "minimum"),
    [
        pytest.param(ALNUM, 20, 0.85, id="alnum-20"),
        pytest.param(ALNUM, 40, 0.95, id="alnum-40"),
        pytest.param(ALNUM + "+/", 44, 0.95, id="base64-44"),
        pytest.param(B64URL, 32, 0.9, id="base64url-32"),
        pytest.param(LOWER_ALNUM, 40, 0.6, id="lower-alnum-40"),
        pytest.param(UPPER_ALNUM, 40, 0.6, id="upper-alnum-40"),
    ],
)
def test_high_entropy_recall(alphabet: str, length: int, minimum: float) -> None:
    """Random tokens under a neutral name: the measured recall the thresholds were tuned for.

    Single-case tokens get a deliberately looser test (their letter runs look like words), and
    hex is excluded by design (digests and commit SHAs are ordinary values).
    """
    rng = random.Random(length * 7919 + len(alphabet))
    values = ["".join(rng.choice(alphabet) for _ in range(length)) for _ in range(200)]
    found = sum(check_env_var("OPAQUE_VALUE", "literal", v) is not None for v in values)
    assert found / len(values) >= minimum


def test_hex_digests_are_not_high_entropy_hits() -> None:
    rng = random.Random(5)
    for length in (32, 40, 64):
        value = "".join(rng.choice(HEX) for _ in range(length))
        assert check_env_var("CHECKSUM", "literal", value) is None


def test_provider_hint_keeps_only_the_public_prefix() -> None:
    hit = check_env_var("X", "literal", "AKIA" + "IOSFODNN7EXAMPLE")
    assert hit == SecretHit("value is an AWS access key id", "AKIA… (20 chars)")
    stripe = check_env_var("X", "literal", "sk_" + "live_" + rand(24))
    assert stripe is not None
    assert stripe.hint == "sk_live_… (32 chars)"
    named = check_env_var("DB_PASSWORD", "literal", rand(14))
    assert named is not None
    assert named.hint == "literal, 14 chars"


def test_secret_hit_is_frozen() -> None:
    hit = SecretHit("r", "h")
    with pytest.raises(FrozenInstanceError):
        hit.reason = "x"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Non-literal kinds
# ---------------------------------------------------------------------------------------------

NON_LITERAL_POSITIVES: list[tuple[str, str, ValueKind, str | None, str]] = [
    ("parameter", "DB_PASSWORD", "parameter", None, "deploy-time parameter"),
    ("parameter-camel", "githubToken", "parameter", None, "deploy-time parameter"),
    ("parameter-tf-style", "heartbeat_api_key", "parameter", None, "deploy-time parameter"),
    (
        "secretsmanager",
        "DB_PASSWORD",
        "dynamic-secret",
        "{{resolve:secretsmanager:prod/db:SecretString:password}}",
        "{{resolve:secretsmanager}}",
    ),
    ("ssm-secure", "API_TOKEN", "dynamic-secret", "{{resolve:ssm-secure:/prod/api/token:1}}", "ssm-secure"),
    ("secretsmanager-no-text", "CLIENT_SECRET", "dynamic-secret", None, "resolved into plaintext"),
    (
        "secretsmanager-whole-secret-neutral-name",
        "DB_CONFIG",
        "dynamic-secret",
        "{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:SecretString}}",
        "resolved into plaintext",
    ),
    ("ssm-plain", "API_KEY", "dynamic-plain", "{{resolve:ssm:/prod/api/key}}", "{{resolve:ssm}}"),
    ("ssm-plain-no-text", "API_KEY", "dynamic-plain", None, "{{resolve:ssm}}"),
    (
        "literal-resolve-string",
        "DB_PASSWORD",
        "literal",
        "{{resolve:secretsmanager:${DbSecret}:SecretString:password}}",
        "resolved into plaintext",
    ),
    ("tf-var-interpolation", "DB_PASSWORD", "literal", "${var.db_password}", "deploy-time parameter"),
    (
        "parameter-in-url-password",
        "DB_URL",
        "parameter",
        "postgres://app:${DbPassword}@${DbHost}/app",
        "interpolated",
    ),
    # lambdalint's model marks unresolved parts of a string with supplementary private-use characters
    (
        "symbolic-url-password",
        "DB_URL",
        "parameter",
        "postgres://app:\U000f0001@\U000f0002/app",
        "interpolated",
    ),
]


@pytest.mark.parametrize(
    ("name", "kind", "text", "words"),
    [pytest.param(n, k, t, w, id=cid) for cid, n, k, t, w in NON_LITERAL_POSITIVES],
)
def test_non_literal_positives(name: str, kind: ValueKind, text: str | None, words: str) -> None:
    hit = check_env_var(name, kind, text)
    assert hit is not None
    assert words in hit.reason or words in hit.hint
    if text and text.startswith("{{resolve:"):
        assert hit.hint.startswith("{{resolve:")
        assert "prod/" not in hit.hint


# ---------------------------------------------------------------------------------------------
# Traps that must stay silent
# ---------------------------------------------------------------------------------------------

NEGATIVES: list[tuple[str, ValueKind, str | None]] = [
    # names that merely contain KEY / TOKEN / SECRET / PASSWORD
    ("PRIMARY_KEY", "literal", "id"),
    ("SORT_KEY", "literal", "sk"),
    ("PARTITION_KEY", "literal", "pk"),
    ("HASH_KEY", "literal", "userId"),
    ("KEY_PREFIX", "literal", "uploads/"),
    ("S3_KEY", "literal", "data/file.csv"),
    ("OBJECT_KEY", "literal", "reports/2024/summary.json"),
    ("CACHE_KEY", "literal", "v1:users"),
    ("IDEMPOTENCY_KEY_HEADER", "literal", "Idempotency-Key"),
    ("TOKEN_TTL_SECONDS", "literal", "3600"),
    ("PASSWORD_MIN_LENGTH", "literal", "12"),
    ("JWT_ISSUER_URL", "literal", "https://example.auth0.com/"),
    ("TOKEN_TABLE", "literal", "tokens-table"),
    ("SECRET_ARN", "literal", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
    ("DB_SECRET_NAME", "literal", "prod/db"),
    ("DB_SECRET_ID", "literal", "prod/db/credentials"),
    ("API_KEY_HEADER", "literal", "x-api-key"),
    ("PASSWORD_PARAM", "literal", "/app/db/password"),
    ("SECRETS_EXTENSION_HTTP_PORT", "literal", "2773"),
    ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "literal", "2773"),
    ("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "literal", "true"),
    ("SECRETS_MANAGER_TTL", "literal", "300"),
    ("TOKEN_ENDPOINT", "literal", "https://auth.example.com/oauth2/token"),
    ("KMS_KEY_ID", "literal", "alias/x"),
    ("KMS_KEY_ARN", "literal", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("ENABLE_TOKEN_CACHE", "literal", "true"),
    ("TOKEN_TYPE", "literal", "Bearer"),
    ("ACCESS_KEY_ID_PARAM", "literal", "/prod/iam/access-key-id"),
    ("PASS_THROUGH", "literal", "headers"),
    ("TOKENIZER_MODEL", "literal", "cl100k_base"),
    ("PWD", "literal", "/var/task"),
    ("OAUTH_PROVIDER", "literal", "github"),
    ("PROMO_URL", "literal", "https://shop.example.com/?code=promo2024"),
    ("DOCS", "literal", "https://example.com/search?token_type=bearer&page=2"),
    # secret-named variables whose value is a reference to a store entry, not the secret
    ("DB_PASSWORD", "literal", "/prod/db/password"),
    ("DB_PASSWORD", "literal", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
    ("DB_SECRET", "literal", "prod/db/credentials"),
    ("DB_SECRET", "literal", "myapp-db-secret"),
    ("API_CREDENTIALS", "literal", "myapp_api_credentials"),
    ("DB_PASSWORD", "literal", "${DbPasswordSecret}"),
    ("DB_PASSWORD", "literal", "${AWS::StackName}-db-password"),
    ("GITHUB_TOKEN", "literal", "https://api.github.com"),
    ("DB_PASSWORD", "literal", "AQICAH" + rand(150, ALNUM + "+/") + "=="),  # KMS-encrypted ciphertext
    # empty values, flags, small integers under secret names
    ("DB_PASSWORD", "literal", ""),
    ("DB_PASSWORD", "literal", "   "),
    ("API_TOKEN", "literal", "true"),
    ("SECRET", "literal", "false"),
    ("SIGNING_KEY", "literal", "0"),
    ("AUTH_TOKEN", "literal", "42"),
    # non-literal kinds that point at a store or a resource
    ("DB_PASSWORD", "store-reference", None),
    ("API_KEY", "resource-reference", None),
    ("CLIENT_SECRET", "unknown", None),
    ("TABLE_NAME", "parameter", None),
    ("SECRET_ARN", "parameter", None),
    ("DB_HOST", "dynamic-secret", "{{resolve:secretsmanager:prod/db:SecretString:host}}"),
    ("DB_USER", "dynamic-secret", "{{resolve:secretsmanager:${DbSecret}:SecretString:username}}"),
    ("DB_USER", "dynamic-secret", "{{resolve:secretsmanager:${DbSecret}::username}}"),
    ("FEATURE_FLAGS", "dynamic-plain", "{{resolve:ssm:/prod/flags}}"),
    ("DB_PASSWORD", "literal", None),
    ("DB_NAME", "dynamic-secret", None),
    ("DB_PORT", "dynamic-secret", None),
    ("DB_URL", "parameter", "postgres://app@\U000f0002/app"),
    ("DB_URL", "parameter", None),
    # AWS runtime and library configuration
    ("POWERTOOLS_SERVICE_NAME", "literal", "payments"),
    ("POWERTOOLS_METRICS_NAMESPACE", "literal", "MyServerlessApplication"),
    ("POWERTOOLS_LOGGER_LOG_EVENT", "literal", "true"),
    ("AWS_LAMBDA_EXEC_WRAPPER", "literal", "/opt/bootstrap"),
    ("AWS_NODEJS_CONNECTION_REUSE_ENABLED", "literal", "1"),
    ("NODE_OPTIONS", "literal", "--enable-source-maps"),
    ("JAVA_TOOL_OPTIONS", "literal", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"),
    ("AWS_XRAY_CONTEXT_MISSING", "literal", "LOG_ERROR"),
    # realistic ordinary values under ordinary names
    ("TABLE_NAME", "literal", "orders-table-prod"),
    ("TABLE_NAME", "literal", "MyStack-OrdersTable-1A2B3C4D5E6F7"),
    ("ROLE_NAME", "literal", "LambdaFunctionServiceRoleD6E423C9"),
    ("QUEUE_URL", "literal", "https://sqs.us-east-1.amazonaws.com/123456789012/orders-queue"),
    ("TOPIC_ARN", "literal", "arn:aws:sns:us-east-1:123456789012:alerts"),
    ("LAYER", "literal", "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:46"),
    ("REGION", "literal", "eu-west-1"),
    ("LOG_LEVEL", "literal", "DEBUG"),
    ("CONFIG", "literal", '{"retries": 3, "timeoutMs": 2500, "features": {"beta": true}}'),
    ("FEATURE_NEW_CHECKOUT", "literal", "on"),
    ("REQUEST_ID", "literal", "3f2b8c1e-9d4a-4e6f-8b7a-1c2d3e4f5a6b"),
    ("GIT_SHA", "literal", "9fceb02d0ae598e95dc970b74767f19372d61af8"),
    ("BUILD_DIGEST", "literal", "sha256:" + rand(64, HEX)),
    ("CONTENT_MD5", "literal", rand(32, HEX)),
    ("APP_CONFIG_B64", "literal", base64.b64encode(b'{"theme": "dark", "pageSize": 50}').decode()),
    ("AMI_ID", "literal", "ami-0d865164de9113b45"),
    ("SUBNETS", "literal", "subnet-071f712345678e7c8,subnet-08220300a8cdd8635"),
    ("SG", "literal", "sg-0123456789abcdef0"),
    ("VERSION", "literal", "1.14.2-rc.1"),
    ("RELEASED", "literal", "2024-06-11T10:15:30Z"),
    ("DOMAIN", "literal", "api.internal.example.com"),
    ("SENDER", "literal", "no-reply@example.com"),
    ("BUCKET", "literal", "my-app-artifacts-123456789012-us-east-1"),
    ("MODEL_ID", "literal", "anthropic.claude-3-haiku-20240307-v1:0"),
    (
        "JWKS_URL",
        "literal",
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI/.well-known/jwks.json",
    ),
    ("DESCRIPTION", "literal", "Handles order events from the checkout service"),
    ("ORIGINATION_NUMBER", "literal", "+15555550100"),
    (
        "PUBLIC_KEY",
        "literal",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
    ),
    ("SENTRY_DSN", "literal", "https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/1234567"),
    ("TWILIO_ACCOUNT_SID", "literal", "AC" + rand(32, HEX)),
    ("TARGET", "literal", "https://sqs.us-east-1.amazonaws.com/<<XXXXXXXX>>/pocserverless-sqs-test-dest"),
    ("REDIRECT_URI", "literal", "https://${SiteDistribution.DomainName}/index.html"),
    ("DATABASE_URL", "literal", "postgres://localhost:5432/app"),
    ("DATABASE_URL", "literal", "postgres://app@db:5432/app?sslmode=require"),
    ("S3_PREFIX", "literal", "s3bucket_non_pii_data"),
    ("HANDLER", "literal", "com.example.orders.Handler::handleRequest"),
    ("RUST_LOG", "literal", "info,tower_http=debug"),
    ("ENCRYPTED_SECRET_ARN", "literal", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"),
]


@pytest.mark.parametrize(("name", "kind", "text"), NEGATIVES)
def test_negative_cases_stay_silent(name: str, kind: ValueKind, text: str | None) -> None:
    assert check_env_var(name, kind, text) is None


def test_store_words_do_not_make_a_store_reference_silent_under_password_names() -> None:
    """``DB_PASSWORD: super-secret-password`` is a password, not the name of a store entry."""
    assert check_env_var("DB_PASSWORD", "literal", "super-secret-password") is not None


def test_value_rules_apply_under_metadata_names() -> None:
    """A metadata suffix silences the *name* rule, never the credential-shaped *value* rule."""
    assert check_env_var("SECRET_ARN", "literal", "AKIA" + "IOSFODNN7EXAMPLE") is not None
    assert check_env_var("DB_URL", "literal", "postgres://app:" + rand(18) + "@db/app") is not None
    assert check_env_var("API_KEY_HEADER", "literal", "ghp" + "_" + rand(36)) is not None


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "PASSWORD",
        "DB_PASSWORD",
        "dbPassword",
        "db-password",
        "DbPassword",
        "db.password",
        "MYSQLPASSWORD",
        "PASSWD",
        "KEY_PASSPHRASE",
        "SECRET",
        "CLIENT_SECRET",
        "clientSecret",
        "TOKEN",
        "GITHUB_TOKEN",
        "accessToken",
        "API_KEY",
        "APIKEY",
        "apiKey",
        "APIKey",
        "API_KEYS",
        "PRIVATE_KEY",
        "SECRET_KEY",
        "SECRET_KEY_BASE",
        "ACCESS_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "CREDENTIALS",
        "GOOGLE_CREDENTIAL",
        "AUTH_KEY",
        "SIGNING_KEY",
        "ENCRYPTION_KEY",
        "MASTER_KEY",
        "WEBHOOK_SECRET",
        "DB_PASS",
        "SMTP_PWD",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "PRIMARY_KEY",
        "SORT_KEY",
        "PARTITION_KEY",
        "KEY_PREFIX",
        "S3_KEY",
        "KMS_KEY",
        "KMS_KEY_ID",
        "CACHE_KEY",
        "TOKEN_TTL_SECONDS",
        "PASSWORD_MIN_LENGTH",
        "JWT_ISSUER_URL",
        "TOKEN_TABLE",
        "SECRET_ARN",
        "DB_SECRET_NAME",
        "API_KEY_HEADER",
        "PASSWORD_PARAM",
        "SECRETS_EXTENSION_HTTP_PORT",
        "TOKEN_ENDPOINT",
        "ENABLE_TOKEN_CACHE",
        "AWS_ACCESS_KEY_ID",
        "POWERTOOLS_SERVICE_NAME",
        "AWS_LAMBDA_EXEC_WRAPPER",
        "PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL",
        "SECRET_ROTATION_DAYS",
        "PRIVATE_KEY_PATH",
        "RESET_PASSWORD_PAGE",
        "BYPASS_CACHE",
        "TOKENIZER",
        "PWD",
        "CACERT_KEY",
        "OAUTH_CALLBACK_URL",
        "OAUTH_PROVIDER",
    ],
)
def test_non_secret_names(name: str) -> None:
    assert not is_secret_name(name)


def test_extra_name_patterns_mark_names_secret() -> None:
    patterns = (r"^ACME_", r"license")
    assert check_env_var("ACME_CODE", "literal", rand(10)) is None
    hit = check_env_var("ACME_CODE", "literal", rand(10), patterns)
    assert hit is not None
    assert "secret-named" in hit.reason
    assert check_env_var("acme_code", "parameter", None, patterns) is not None
    # user patterns are explicit, so they win over the metadata-suffix exclusion
    assert check_env_var("PRODUCT_LICENSE_ID", "parameter", None, patterns) is not None
    assert check_env_var("PRODUCT_LICENSE_ID", "parameter", None) is None


def test_invalid_extra_pattern_raises_re_error() -> None:
    import re

    with pytest.raises(re.error):
        check_env_var("X", "literal", "hello-world", ("(",))


# ---------------------------------------------------------------------------------------------
# redact
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("AKIA" + "IOSFODNN7EXAMPLE", "AKIA… (20 chars)"),
        ("xox" + "b-" + "1234-5678-" + "abcdefghijkl", "xoxb-… (27 chars)"),
        ("hunter2hunter2", "literal, 14 chars"),
        ("line1\nline2", "multi-line literal, 11 chars"),
        ("postgres://u:p@h/db", "postgres://…:…@… (19 chars)"),
        ("{{resolve:secretsmanager:prod/db:SecretString:password}}", "{{resolve:secretsmanager:…}}"),
        ("", "literal, 0 chars"),
    ],
)
def test_redact(value: str, expected: str) -> None:
    assert redact(value) == expected


def test_redact_drops_prefix_when_too_little_follows() -> None:
    """Showing ``sk_live_`` for the 9-character value ``sk_live_x`` would show almost all of it."""
    assert redact("sk_live_x") == "literal, 9 chars"


# ---------------------------------------------------------------------------------------------
# Properties and import cost
# ---------------------------------------------------------------------------------------------

_KINDS: list[ValueKind] = [
    "literal",
    "parameter",
    "dynamic-secret",
    "dynamic-plain",
    "store-reference",
    "resource-reference",
    "unknown",
]
_VALUES = st.one_of(
    st.text(),
    st.lists(st.sampled_from([*"ab1:/@${}.-_=;?&<>%", "\U000f0001", "://", "postgres"]), max_size=30).map("".join),
    st.text(alphabet=ALNUM + "+/=_-.:@", min_size=6, max_size=120),
    st.builds(
        lambda p, s: p + s,
        st.sampled_from(["sk_live_", "AKIA", "ghp_", "postgres://u:", "eyJ", "{{resolve:"]),
        st.text(),
    ),
)
_NAMES = st.one_of(st.text(max_size=40), st.sampled_from(["DB_PASSWORD", "API_KEY", "TABLE_NAME", "dbPassword", "X"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_NAMES, kind=st.sampled_from(_KINDS), value=_VALUES)
def test_check_env_var_never_raises_and_never_echoes(name: str, kind: ValueKind, value: str) -> None:
    hit = check_env_var(name, kind, value)
    if hit is not None and len(value) >= 6:
        assert value not in hit.hint


@settings(max_examples=300, deadline=None)
@given(value=_VALUES)
def test_redact_never_echoes(value: str) -> None:
    if len(value) >= 6:
        assert value not in redact(value)


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    ).stdout.strip()


def test_import_does_not_load_detect_secrets() -> None:
    out = _run("import sys, lambdalint.secrets; print('detect_secrets' in sys.modules, 'requests' in sys.modules)")
    assert out == "False False"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a" * 20000, id="letters"),
        pytest.param("a://" * 5000, id="schemes"),
        pytest.param("{" * 20000, id="braces"),
        pytest.param("${" * 10000, id="interpolations"),
        pytest.param("Ab-" * 7000 + "ABCDEFGH1", id="cfn-like"),
        pytest.param("Ab1" * 7000 + "!", id="cdk-like"),
        pytest.param("a." * 10000 + "com", id="dotted"),
        pytest.param('{"a":' * 3000, id="deep-json"),
        pytest.param("xoxb-1-" * 3000, id="slack-like"),
    ],
)
def test_long_adversarial_values_stay_fast(value: str) -> None:
    """Lambda caps the environment at 4 KB, but templates are not validated before linting."""
    check_env_var("WARMUP", "literal", "x" * 40)
    start = time.perf_counter()
    for name in ("VALUE", "DB_PASSWORD"):
        check_env_var(name, "literal", value)
    assert time.perf_counter() - start < 2.0


def test_short_literals_and_references_do_not_compile_provider_patterns() -> None:
    out = _run(
        "import sys\n"
        "from lambdalint.secrets import check_env_var as c\n"
        "c('LOG_LEVEL', 'literal', 'INFO'); c('DB_PASSWORD', 'parameter', None)\n"
        "c('DB_PASSWORD', 'literal', 'hunter2'); c('Q', 'resource-reference', None)\n"
        "print('lambdalint.provider_patterns' in sys.modules)"
    )
    assert out == "False"


def test_long_literals_never_load_detect_secrets_or_requests() -> None:
    """The provider shapes are copied (lambdalint.provider_patterns): a pre-commit hook on a template with
    a credential, a JWT or a random token must not pay for detect-secrets' ``requests`` import."""
    out = _run(
        "import sys\n"
        "from lambdalint.secrets import check_env_var as c\n"
        "hits = [c('STRIPE', 'literal', 'sk_live_' + 'a1B2c3D4' * 3),\n"
        "        c('TOKEN', 'literal', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'),\n"
        "        c('VALUE', 'literal', 'q8Zr3Kp0Xw7Lm2Nv5Bt9Yc4Hd6Fg1Js'),\n"
        "        c('aws_secret_key', 'literal', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKQ')]\n"
        "print(sum(h is not None for h in hits), 'detect_secrets' in sys.modules, 'requests' in sys.modules)"
    )
    assert out == "4 False False"
