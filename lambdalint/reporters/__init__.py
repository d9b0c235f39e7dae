"""Output formats. Each reporter turns a ``LintResult`` into text; none decides anything."""

from __future__ import annotations

from collections.abc import Callable

from lambdalint.lint import LintResult

Reporter = Callable[[LintResult], str]


def get(name: str) -> Reporter:
    if name == "json":
        from lambdalint.reporters.json_reporter import render
    else:
        from lambdalint.reporters.text import render
    return render


FORMATS = ("text", "json")
