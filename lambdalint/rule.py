"""How a rule is declared: metadata as data, and one check that yields findings.

A rule file in ``rules/`` defines ``RULE = Rule(...)`` and decorates one generator with
``@RULE.check``. The check receives a ``Context`` (the model and the rule's options) and yields
``Hit``s: where and what. The engine adds id, severity and fingerprint, so a rule cannot
mislabel itself, and one rule's crash cannot silence the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from lambdalint.model import Loc, Model, Resource


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, slots=True)
class Option:
    """A typed rule option; config values are validated against ``type``."""

    type: type
    default: Any
    help: str


@dataclass(frozen=True, slots=True)
class Related:
    """Another resource involved in a finding (for LL101, every resource of the loop)."""

    resource: str
    loc: Loc | None
    message: str


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule yields: the primary location (where the fix goes) and the message."""

    loc: Loc
    resource: str
    message: str
    related: tuple[Related, ...] = ()
    severity: Severity | None = None  # raise (or lower) the default for this one finding
    key: str = ""  # extra identity for the fingerprint when one resource has several findings


@dataclass
class Context:
    model: Model
    options: dict[str, Any]

    def show(self, text: str | None) -> str:
        return self.model.show(text)


Check = Callable[[Context], Iterator[Hit]]

_ID = re.compile(r"^LL\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass
class Rule:
    id: str
    name: str
    title: str
    severity: Severity
    rationale: str
    fix: str
    references: tuple[str, ...]
    formats: tuple[str, ...] = ("sam", "cloudformation")
    tags: tuple[str, ...] = ()
    options: dict[str, Option] = field(default_factory=dict)
    example_message: str = ""
    run: Check | None = None

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"rule id {self.id!r} must look like LL123")
        if not _NAME.match(self.name):
            raise ValueError(f"rule name {self.name!r} must be kebab-case")
        if len(self.title) > 80 or self.title.endswith("."):
            raise ValueError(f"{self.id}: title must be at most 80 characters without a trailing period")
        if not (self.rationale and self.fix and self.references):
            raise ValueError(f"{self.id}: rationale, fix and references are required")

    def check(self, func: Check) -> Check:
        self.run = func
        return func

    @property
    def help_uri(self) -> str:
        return f"https://github.com/lambdalint/lambdalint/blob/main/docs/rules/{self.id}.md"


def resource_loc(res: Resource) -> Loc:
    return res.loc
