"""LL201: an environment variable holds a secret, in plaintext in the function configuration."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import Prov
from lambdalint.rule import Context, Hit, Option, Related, Rule, Severity

RULE = Rule(
    id="LL201",
    name="secret-in-environment",
    title="Secret in a Lambda environment variable",
    severity=Severity.ERROR,
    tags=("security", "secrets"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    options={"extra_secret_names": Option(list, [], "extra regular expressions for secret-like variable names")},
    rationale=(
        "Environment variables are stored in the function configuration and shown in plaintext to anyone "
        "with lambda:GetFunctionConfiguration, in the console, in CloudFormation and Terraform state, and "
        "in every copy of the template. A secret written there, passed in as a deploy-time parameter, "
        "or resolved into it with {{resolve:secretsmanager:...}} is exposed the same way. The rule reports "
        "literals that look like credentials (AWS keys, private keys, provider tokens, JWTs, URLs with "
        "passwords) under any name, and any value but a reference to a secret store under a "
        "secret-like name (PASSWORD, SECRET, TOKEN, API_KEY, ...). Names that only contain KEY or TOKEN "
        "as metadata (SORT_KEY, TOKEN_TTL_SECONDS, PASSWORD_MIN_LENGTH) are not secrets. Output never "
        "contains the value, only the variable name and a redacted hint."
    ),
    fix=(
        "Store the secret in AWS Secrets Manager or SSM Parameter Store (SecureString), pass the secret's "
        "ARN or parameter name in the environment, grant the function read access, and fetch the value at "
        "run time (the AWS Parameters and Secrets Lambda Extension caches it). Rotate any secret that was "
        "committed."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption",
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html",
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    patterns = tuple(str(p) for p in ctx.options.get("extra_secret_names") or ())
    reported: dict[tuple, list[str]] = {}
    hits: dict[tuple, Hit] = {}
    for fn in ctx.model.functions.values():
        for var in fn.environment:
            # Imported here: a template without environment variables never needs the detectors.
            from lambdalint.secrets import check_env_var

            found = check_env_var(var.name, var.kind, var.text, patterns)
            if found is None:
                continue
            # A variable inherited from SAM Globals is one line to fix, whatever the number of
            # functions inheriting it: report it once and list the functions.
            inherited = var.prov is Prov.INHERITED
            key = (var.loc.file, var.loc.line, var.loc.col, var.name) if inherited else (fn.id, var.name)
            if key in hits:
                reported[key].append(fn.id)
                continue
            where = " (inherited from Globals)" if var.prov is Prov.INHERITED else ""
            hits[key] = Hit(
                var.loc, fn.id,
                f"environment variable {var.name} of {fn.id}{where} holds a secret: {found.reason} "
                f"[{found.hint}]",
                key=var.name,
            )
            reported[key] = []
    for key, hit in hits.items():
        others = reported[key]
        if others:
            related = tuple(Related(other, ctx.model.functions[other].loc, f"{other} inherits it too")
                            for other in others)
            hit = Hit(hit.loc, hit.resource, hit.message, related, key=hit.key)
        yield hit
