"""Terraform into the one model: HCL module directories and ``terraform show -json`` plans.

Modules, each small and named for what it does:

* ``hcl``: tree-sitter parse of ``*.tf`` (and ``*.tf.json`` through the template decoder) into
  located blocks and attributes; expressions stay syntax trees, evaluated on demand.
* ``evaluate``: expressions to symbolic values (references, interpolation, the functions that
  matter), with the provenance of variable values.
* ``modules``: a directory's variables, tfvars, locals, outputs and local module calls.
* ``resources``: ``aws_*`` resources and data sources to the model (functions, triggers, IAM).
* ``plan``: plan JSON to the same structures, located in the plan or in the ``.tf`` source.

Why tree-sitter and not python-hcl2 (measured on the corpus' 561 ``.tf`` files, 2.9 MB, this
machine): python-hcl2 8.1.4 ``load`` 15.1 s, one file fails, no attribute lines with
``with_meta``; tree-sitter with tree-sitter-hcl 0.7 s, no failure, every node located, and
expressions as trees rather than ``"${...}"`` strings to re-parse. python-hcl2 stays as the
differential oracle in ``tests/terraform/test_hcl_oracle.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PLAN_KEYS = ("planned_values", "resource_changes")


def is_terraform_dir(path: Path) -> bool:
    """A directory with ``*.tf`` / ``*.tf.json`` files is one Terraform unit."""
    from lambdalint.parsers.terraform.modules import is_terraform_dir as check

    return check(path)


def is_plan(data: Any) -> bool:
    """A ``terraform show -json`` document: ``format_version`` and planned values or changes."""
    return isinstance(data, dict) and "format_version" in data and any(k in data for k in PLAN_KEYS)


def load_directory(path: Path, file: str, var_files: tuple[str, ...] = ()) -> Any:
    """The model of a Terraform directory (``file`` is its display path)."""
    from lambdalint.parsers.terraform.modules import load_directory as load
    from lambdalint.parsers.terraform.resources import build

    model = build(load(path, file, var_files), file, "terraform")
    _suppression_facts(model, path, file)
    return model


def _suppression_facts(model: Any, path: Path, file: str) -> None:
    """Texts of the unit's .tf files and each block's header, for ``# lambdalint: ignore=`` comments
    (on the finding's line, on the block's ``resource`` line, or alone on the line above either)."""
    for res in model.resources():
        model.headers.setdefault(res.id, res.loc)
    for trig in model.triggers:
        model.headers.setdefault(trig.owner, trig.loc)
    prefix = file.rstrip("/") + "/"
    for shown in {loc.file for loc in model.headers.values()}:
        if shown in model.sources or not shown.startswith(prefix):
            continue
        try:
            model.sources[shown] = (path / shown[len(prefix):]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue


def load_plan(path: Path, file: str, text: str, data: Any) -> Any:
    """The model of a plan JSON document (``data`` is its decoded form with positions)."""
    from lambdalint.parsers.terraform.plan import build_plan

    return build_plan(path, file, text, data)


__all__ = ["is_plan", "is_terraform_dir", "load_directory", "load_plan"]
