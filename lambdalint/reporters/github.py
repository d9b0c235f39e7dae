"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

One line per finding (here wrapped)::

    ::warning file=template.yaml,line=22,col=7,endLine=22,endColumn=24,
    title=LL103 sqs-visibility-timeout::VisibilityTimeout 120s of OrdersQueue is below ... (OrdersQueue)

``error`` for errors, ``warning`` for warnings, ``notice`` for info. A file that could not be read
is ``::error file=...,title=lambdalint: file not linted::<reason>``. A plain summary line ends the
output (the runner shows it in the log as is).

Escaping follows @actions/core: in the message ``%``, CR and LF become ``%25``, ``%0D``, ``%0A``;
property values also escape ``:`` and ``,`` (``%3A``, ``%2C``). This is also what keeps a value
taken from a template from starting a workflow command of its own on a new line.

Paths are relative to the repository root, like the SARIF reporter's, since annotations are
matched against the files of the commit. GitHub shows at most 10 annotations of each kind per
step (50 per job); the rest stay in the log, and the summary line says so. Suppressed findings
are not annotated.
"""

from __future__ import annotations

from lambdalint.engine import Finding
from lambdalint.lint import LintResult
from lambdalint.reporters.sarif import region, repo_path, source_root
from lambdalint.reporters.text import summary_line
from lambdalint.rule import Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
ANNOTATIONS_PER_KIND = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items()
                     if value is not None and value != "")
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(f: Finding, file: str) -> str:
    reg = region(f.loc)
    message = f"{f.message} ({f.resource})" if f.resource else f.message
    return command(COMMANDS[f.severity], {
        "file": file,
        "line": reg["startLine"],
        "col": reg["startColumn"],
        "endLine": reg["endLine"],
        "endColumn": reg["endColumn"],
        "title": f"{f.rule_id} {f.rule_name}",
    }, message)


def render(result: LintResult) -> str:
    root = source_root()
    paths: dict[str, str] = {}

    def path(file: str) -> str:
        if file not in paths:
            paths[file] = repo_path(file, root) or file
        return paths[file]

    lines = [command("error", {"file": path(err.file), "title": "lambdalint: file not linted"}, err.message)
             for err in result.errors]
    lines += [annotation(f, path(f.loc.file)) for f in result.findings]
    summary = summary_line(result)
    kinds = [COMMANDS[f.severity] for f in result.findings] + ["error"] * len(result.errors)
    if any(kinds.count(kind) > ANNOTATIONS_PER_KIND for kind in set(kinds)):
        summary += (f"; GitHub shows at most {ANNOTATIONS_PER_KIND} annotations of each kind per step, "
                    "every finding is listed above")
    lines.append(summary)
    return "\n".join(lines) + "\n"
