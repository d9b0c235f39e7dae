"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines, test-reporter actions).

Shape: ``<testsuites>`` holding one ``<testsuite name="lambdalint">``. Each (rule, file) pair with
findings is a ``<testcase classname="{file}" name="{rule id} {rule name}">`` with one ``<failure>``
whose ``type`` is the highest severity among them, whose ``message`` is the finding's message (or
"N findings") and whose text lists them, one ``file:line:col: [severity] message (resource)`` per
line. Every active finding counts as a failure whatever its severity (the reporter does not know
``--fail-on``); the ``type`` says how severe. A pair whose findings are all suppressed is a
testcase with ``<skipped>`` giving the justifications. A file that could not be read is a testcase
named ``read and parse`` with an ``<error>``.

Every rule that ran and reported nothing on a linted unit is a passing testcase (classname: the
unit, a file or a Terraform directory), so a CI's test view shows what was checked, and a rule
that starts failing shows up as a test that broke. No timestamps or timings,
so the output is reproducible. Characters XML 1.0 cannot carry (control characters from a template
value) are replaced by U+FFFD; ``xml.etree`` escapes the rest.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from lambdalint.engine import Finding
from lambdalint.lint import LintResult

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _line(f: Finding) -> str:
    resource = f" ({f.resource})" if f.resource else ""
    return f"{f.loc.file}:{f.loc.line}:{f.loc.col}: [{f.severity.value}] {f.message}{resource}"


def _group(findings: list[Finding]) -> dict[tuple[str, str], list[Finding]]:
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.loc.file, f.rule_id)].append(f)
    return groups


def build(result: LintResult) -> ET.Element:
    active = _group(result.findings)
    suppressed = _group(list(getattr(result, "suppressed", ())))
    cases: list[tuple[tuple[str, str, int], ET.Element]] = []

    for err in result.errors:
        case = ET.Element("testcase", classname=clean(err.file), name="read and parse")
        ET.SubElement(case, "error", type="file-error", message=clean(err.message)).text = clean(err.message)
        cases.append(((err.file, "", 0), case))

    for key in sorted(set(active) | set(suppressed)):
        file, rule_id = key
        found = active.get(key, [])
        sample = (found or suppressed[key])[0]
        case = ET.Element("testcase", classname=clean(file), name=clean(f"{rule_id} {sample.rule_name}"))
        if found:
            worst = max(found, key=lambda f: f.severity.rank).severity.value
            message = found[0].message if len(found) == 1 else f"{len(found)} findings"
            failure = ET.SubElement(case, "failure", type=worst, message=clean(message))
            failure.text = clean("\n".join(_line(f) for f in found))
        else:
            reasons = sorted({getattr(f.suppression, "justification", "") or "suppressed" for f in suppressed[key]})
            count = len(suppressed[key])
            ET.SubElement(case, "skipped", message=clean(
                f"{count} finding{'s' if count != 1 else ''} suppressed: {'; '.join(reasons)}"))
        cases.append(((file, rule_id, 1), case))

    for unit, reported in getattr(result, "linted", ()):
        for rule_id, rule_name in getattr(result, "rules", ()):
            if rule_id not in reported:
                cases.append(((unit, rule_id, 1), ET.Element("testcase", classname=clean(unit),
                                                             name=clean(f"{rule_id} {rule_name}"))))

    cases.sort(key=lambda c: c[0])
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(1 for _, c in cases if c.find("failure") is not None)),
        "errors": str(len(result.errors)),
        "skipped": str(sum(1 for _, c in cases if c.find("skipped") is not None)),
    }
    root = ET.Element("testsuites", name="lambdalint", **counts)
    suite = ET.SubElement(root, "testsuite", name="lambdalint", **counts)
    suite.extend(case for _, case in cases)
    return root


def render(result: LintResult) -> str:
    root = build(result)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
