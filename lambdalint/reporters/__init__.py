"""Output formats. Each reporter turns a ``LintResult`` into text; none decides anything.

Reporter modules are imported only when chosen, so ``check`` pays for the one format it prints.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from lambdalint.lint import LintResult

Reporter = Callable[[LintResult], str]

# format name -> module under lambdalint.reporters that defines ``render(result) -> str``
MODULES = {
    "text": "text",
    "json": "json_reporter",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
    "parsable": "parsable",
}

FORMATS = tuple(MODULES)


def get(name: str) -> Reporter:
    try:
        module = MODULES[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})") from None
    return importlib.import_module(f"lambdalint.reporters.{module}").render
