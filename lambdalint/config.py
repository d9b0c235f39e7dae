"""Project configuration: ``.lambdalint.toml``, ``.lambdalint.yaml`` or ``[tool.lambdalint]`` in
``pyproject.toml``, found from the current directory upward (the nearest directory wins).

Every key and value is validated against what it configures (a rule's declared options, the
severities, the selectors), and a mistake is a ``ConfigError`` naming the file and the key: a
typo must never silently turn a check off.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalint.rule import Rule, Severity

FILES = (".lambdalint.toml", ".lambdalint.yaml", ".lambdalint.yml", "pyproject.toml")
KEYS = {"select", "ignore", "fail-on", "exclude", "per-path-ignores", "severity", "rules", "baseline",
        "var-files"}


class ConfigError(Exception):
    """A configuration mistake; ``str()`` names the file and key."""


@dataclass
class Config:
    path: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    exclude: list[str] = field(default_factory=list)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    baseline: str | None = None
    var_files: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def excluded(self, display_path: str) -> bool:
        return any(_glob(display_path, pattern) for pattern in self.exclude)

    def ignored_for_path(self, display_path: str, rule: Rule) -> bool:
        return any(
            _glob(display_path, pattern) and any(matches(rule, key) for key in keys)
            for pattern, keys in self.per_path_ignores.items()
        )


def _glob(path: str, pattern: str) -> bool:
    """gitignore-ish: ``dir/**`` covers everything below dir; a bare name matches any segment."""
    path = path.lstrip("./") if path.startswith("./") else path
    if fnmatch.fnmatch(path, pattern):
        return True
    if pattern.endswith("/**") and (path == pattern[:-3] or path.startswith(pattern[:-3] + "/")):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatch(part, pattern) for part in Path(path).parts)
    return False


def find(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        for name in FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and "lambdalint" not in _read_toml(candidate).get("tool", {}):
                continue
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load(path: Path | None, rules: tuple[Rule, ...]) -> Config:
    """Read and validate a configuration file (``None``: defaults)."""
    if path is None:
        return Config()
    if path.name == "pyproject.toml":
        raw = _read_toml(path).get("tool", {}).get("lambdalint", {})
    elif path.suffix == ".toml":
        raw = _read_toml(path)
    else:
        raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a table of settings")
    return validate(raw, path, rules)


def _read_yaml(path: Path) -> Any:
    from lambdalint.parsers.decode import DecodeError, decode

    try:
        return decode(path.read_text(encoding="utf-8")).data or {}
    except (DecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None


def validate(raw: dict[str, Any], path: Path, rules: tuple[Rule, ...]) -> Config:
    def fail(key: str, why: str) -> ConfigError:
        return ConfigError(f"{path}: {key}: {why}")

    for key in raw:
        if key not in KEYS:
            raise fail(key, f"unknown key (known: {', '.join(sorted(KEYS))})")
    cfg = Config(path=path)
    for key in ("select", "ignore", "exclude", "var-files"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "must be a list of strings")
        if key in ("select", "ignore"):
            for item in value:
                if not any(matches(rule, item) for rule in rules):
                    raise fail(key, f"no rule matches {item!r}")
        setattr(cfg, key.replace("-", "_"), list(value))
    if "fail-on" in raw:
        if raw["fail-on"] not in ("error", "warning", "info"):
            raise fail("fail-on", "must be one of error, warning, info")
        cfg.fail_on = raw["fail-on"]
    if "baseline" in raw:
        if not isinstance(raw["baseline"], str):
            raise fail("baseline", "must be a path")
        cfg.baseline = str(path.parent / raw["baseline"])
    ppi = raw.get("per-path-ignores", {})
    if not isinstance(ppi, dict):
        raise fail("per-path-ignores", "must be a table of glob = [rules]")
    for pattern, keys in ppi.items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise fail(f"per-path-ignores.{pattern}", "must be a list of rule ids, names, prefixes or tags")
        for item in keys:
            if not any(matches(rule, item) for rule in rules):
                raise fail(f"per-path-ignores.{pattern}", f"no rule matches {item!r}")
        cfg.per_path_ignores[pattern] = list(keys)
    by_key = {r.id: r for r in rules} | {r.name: r for r in rules}
    severities = raw.get("severity", {})
    if not isinstance(severities, dict):
        raise fail("severity", "must be a table of rule = severity")
    for key, value in severities.items():
        rule = by_key.get(key)
        if rule is None:
            raise fail(f"severity.{key}", "no such rule")
        if value not in ("error", "warning", "info"):
            raise fail(f"severity.{key}", "must be one of error, warning, info")
        cfg.severity[rule.id] = Severity(value)
    rule_options = raw.get("rules", {})
    if not isinstance(rule_options, dict):
        raise fail("rules", "must be a table of rule = {option = value}")
    for key, options in rule_options.items():
        rule = by_key.get(key)
        if rule is None:
            raise fail(f"rules.{key}", "no such rule")
        if not isinstance(options, dict):
            raise fail(f"rules.{key}", "must be a table of option = value")
        prefix = f"rules.{key}"
        cfg.options[rule.id] = {
            name: _option(rule, name, value, lambda k, w, prefix=prefix: fail(f"{prefix}.{k}", w))
            for name, value in options.items()
        }
    return cfg


def _option(rule: Rule, name: str, value: Any, fail: Any) -> Any:
    option = rule.options.get(name)
    if option is None:
        known = ", ".join(sorted(rule.options)) or "none"
        raise fail(name, f"{rule.id} has no such option (options: {known})")
    if option.type is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if option.type is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(name, "must be a list of strings")
        if name.endswith("names"):
            import re

            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise fail(name, f"invalid regular expression {pattern!r}: {exc}") from None
        return value
    if not isinstance(value, option.type) or (isinstance(value, bool) and option.type is not bool):
        raise fail(name, f"must be {option.type.__name__}, got {type(value).__name__}")
    if option.type in (int, float) and value <= 0:
        raise fail(name, "must be positive")
    return value


def matches(rule: Rule, key: str) -> bool:
    """A selector names a rule by id, name, id prefix (``LL1``) or tag."""
    return specificity(rule, key) > 0


def specificity(rule: Rule, key: str) -> int:
    """How precisely ``key`` names ``rule`` (0: not at all); the more specific selector wins."""
    if key in (rule.id, rule.name):
        return 100
    upper = key.upper()
    if upper.startswith("LL") and rule.id.startswith(upper):
        return len(upper)
    if key in rule.tags:
        return 1
    return 0


def choose(rules: tuple[Rule, ...] | list[Rule], select: list[str], ignore: list[str]) -> list[Rule]:
    """flake8's decision: a rule runs if selected (or nothing is selected) and no ignore names it
    at least as specifically as the select does."""
    chosen = []
    for rule in rules:
        best_select = max((specificity(rule, k) for k in select), default=0) if select else 1
        best_ignore = max((specificity(rule, k) for k in ignore), default=0)
        if best_select and not (best_ignore and best_ignore >= best_select):
            chosen.append(rule)
    return chosen
