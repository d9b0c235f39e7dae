"""One finding per line, in the ``file:line:col: [severity] message`` shape editors already parse.

The exact shape (yamllint's ``parsable`` order, with the rule id leading the message)::

    {file}:{line}:{col}: [{severity}] {rule_id} {message} ({resource})

- ``severity`` is ``error``, ``warning`` or ``info``; ``line`` and ``col`` are 1-based, columns in
  Unicode code points; `` ({resource})`` is absent when a finding names no resource.
- A file that could not be read or parsed is ``{file}:1:1: [error] {reason}`` (no rule id: it is not
  a rule's finding; the position is the file's start because the reason carries its own).
- Nothing else is printed: no summary, no blank lines, so every line matches
  ``^(?P<file>.+?):(?P<line>\\d+):(?P<col>\\d+): \\[(?P<severity>error|warning|info)\\] (?P<message>.*)$``
  (Vim ``errorformat`` ``%f:%l:%c: [%t%*[a-z]] %m``; a VS Code / GitHub problem matcher with the
  same regexp). Newlines and tabs inside a message become spaces so one finding stays one line.
- Lines come sorted by file, line and column (a file's read error first); suppressed findings are
  not printed.
"""

from __future__ import annotations

import re

from lambdalint.lint import LintResult

_SPACE = re.compile(r"[\r\n\t\v\f]+")


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text)


def render(result: LintResult) -> str:
    entries: list[tuple[str, int, int, int, str]] = [
        (err.file, 1, 1, 0, f"{err.file}:1:1: [error] {_one_line(err.message)}") for err in result.errors
    ]
    for f in result.findings:
        line, col = max(1, f.loc.line), max(1, f.loc.col)
        resource = f" ({f.resource})" if f.resource else ""
        text = f"{f.loc.file}:{line}:{col}: [{f.severity.value}] {f.rule_id} {_one_line(f.message)}{resource}"
        entries.append((f.loc.file, line, col, 1, text))
    entries.sort(key=lambda e: e[:4])  # stable: findings keep the engine's order at one position
    return "".join(text + "\n" for *_, text in entries)
