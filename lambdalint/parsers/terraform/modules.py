"""A Terraform directory, its variable values and its local module calls, as module instances.

A lint unit is one directory: every ``*.tf`` and ``*.tf.json`` in it together (resources span
files). Variable values follow Terraform's precedence: the ``default``, then
``terraform.tfvars``, ``terraform.tfvars.json``, ``*.auto.tfvars[.json]`` in name order, then each
``--var-file`` in the order given; the last one wins, and its file is the value's provenance.

A ``module`` block whose source is a local path (``./modules/queue``) becomes a child instance
whose variables are the block's arguments, evaluated in the caller. A module whose source is a
registry or remote address is not read (only ``terraform-aws-modules/lambda/aws``'s common
inputs are modeled, in ``resources``) unless ``terraform init`` left it under
``.terraform/modules`` (``modules.json`` maps the call to its directory). A module directory that
is not there is unknown, like a remote one; one that is there but cannot be read (a file that is
unreadable, not UTF-8 or not HCL) is the unit's error, as the same file at the top would be.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalint.parsers.terraform.hcl import Attr, Block, HclError, HclFile, JsonExpr, parse_hcl, parse_tf_json

MAX_MODULE_DEPTH = 8
META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on"}


class TerraformError(Exception):
    """A directory that cannot be read; ``str()`` is the one-line reason."""


@dataclass(slots=True)
class VarValue:
    """Where a variable's value comes from: an expression, the instance to evaluate it in
    (``None``: the variable's own module), and the provenance note for messages."""

    expr: Any
    inst: Instance | None
    via: str


@dataclass(eq=False)
class Instance:
    """One module instance: the root directory or a local module call."""

    prefix: str  # "" for the root, "module.orders." for a child (Terraform address prefix)
    dir: Path
    display: str  # the directory as shown in findings (relative to the cwd)
    path_module: str = "."
    path_root: str = "."
    files: list[HclFile] = field(default_factory=list)
    variables: dict[str, Block] = field(default_factory=dict)
    values: dict[str, VarValue] = field(default_factory=dict)
    locals: dict[str, Attr] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    calls: dict[str, Block] = field(default_factory=dict)
    children: dict[str, Instance | None] = field(default_factory=dict)
    outputs: dict[str, Attr] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    parent: Instance | None = None
    call: Block | None = None  # the module block that created this instance

    def address(self, rtype: str, name: str) -> str:
        return f"{self.prefix}{rtype}.{name}"

    def walk(self) -> list[Instance]:
        out = [self]
        for child in self.children.values():
            if child is not None:
                out.extend(child.walk())
        return out


def is_terraform_dir(path: Path) -> bool:
    """True when the directory holds ``.tf`` or ``.tf.json`` files (not looking below it)."""
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                name = entry.name
                if (name.endswith(".tf") or name.endswith(".tf.json")) and entry.is_file():
                    return True
    except (OSError, ValueError):  # ValueError: a NUL in a module source path
        return False
    return False


def _join(display: str, rel: str) -> str:
    joined = os.path.normpath(os.path.join(display, rel)) if display not in ("", ".") else os.path.normpath(rel)
    return Path(joined).as_posix()


def _read_files(directory: Path, display: str) -> list[HclFile]:
    from lambdalint.lint import MAX_TERRAFORM_BYTES, UnitError, read_bytes, read_text, text_of

    files: list[HclFile] = []
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.is_file())
    except OSError as exc:
        raise TerraformError(f"cannot read directory: {exc.strerror or exc}") from None
    for name in names:
        if not (name.endswith(".tf") or name.endswith(".tf.json")):
            continue
        path = directory / name
        shown = _join(display, name)
        if name.endswith(".tf"):
            try:  # a regular file (a FIFO would block), bounded, UTF-8 text as Terraform requires
                data = read_bytes(path, MAX_TERRAFORM_BYTES)
                text_of(data)
                files.append(parse_hcl(data, shown, path, strict=True))
            except (HclError, UnitError) as exc:
                raise TerraformError(f"{shown}: {exc}") from None
        else:
            try:
                files.append(parse_tf_json(read_text(path, MAX_TERRAFORM_BYTES), shown, path))
            except (HclError, UnitError) as exc:
                raise TerraformError(f"{shown}: {exc}") from None
    return files


def _index(inst: Instance) -> None:
    for hcl_file in inst.files:
        for blk in hcl_file.body.blocks:
            kind, labels = blk.type, blk.labels
            if kind == "resource" and len(labels) >= 2:
                inst.resources.setdefault((labels[0], labels[1]), blk)
            elif kind == "data" and len(labels) >= 2:
                inst.data.setdefault((labels[0], labels[1]), blk)
            elif kind == "variable" and labels:
                inst.variables.setdefault(labels[0], blk)
            elif kind == "locals":
                for name, attr in blk.body.attrs.items():
                    inst.locals.setdefault(name, attr)
            elif kind == "module" and labels:
                inst.calls.setdefault(labels[0], blk)
            elif kind == "output" and labels:
                value = blk.body.attrs.get("value")
                if value is not None:
                    inst.outputs.setdefault(labels[0], value)
            elif kind == "provider":
                inst.providers.append(blk)


def _defaults(inst: Instance) -> None:
    where = "" if not inst.prefix else inst.prefix.rstrip(".") + " "
    for name, blk in inst.variables.items():
        default = blk.body.attrs.get("default")
        if default is not None:
            inst.values[name] = VarValue(default.expr, None, f"{where}variable {name} default")


def _tfvars_files(directory: Path) -> list[Path]:
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.is_file())
    except OSError:
        return []
    out = []
    for fixed in ("terraform.tfvars", "terraform.tfvars.json"):
        if fixed in names:
            out.append(directory / fixed)
    out.extend(directory / n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json")))
    return out


def read_tfvars(path: Path, shown: str) -> dict[str, Any]:
    """Variable assignments of a ``.tfvars`` (HCL) or ``.tfvars.json`` file: name -> expression."""
    from lambdalint.lint import UnitError, read_text

    try:
        text = read_text(path)
    except UnitError as exc:  # name the tfvars file, not just the directory
        raise TerraformError(f"{shown}: {exc}") from None
    if path.name.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise TerraformError(f"{shown}: invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            return {}
        return {str(k): JsonExpr(v, template=False) for k, v in data.items()}
    try:  # a syntax error would silently drop the assignments after it
        parsed = parse_hcl(text.encode("utf-8"), shown, path, strict=True)
    except HclError as exc:
        raise TerraformError(f"{shown}: {exc}") from None
    return {name: attr.expr for name, attr in parsed.body.attrs.items()}


def load_directory(directory: Path, display: str, var_files: tuple[str, ...] = (), cwd: Path | None = None) -> Instance:
    """The root instance of a Terraform directory, with its local module calls loaded."""
    root = Instance("", directory, display)
    root.files = _read_files(directory, display)
    _index(root)
    _defaults(root)
    for path in _tfvars_files(directory):
        for name, expr in read_tfvars(path, path.name).items():
            root.values[name] = VarValue(expr, None, path.name)
    for raw in var_files:
        path = Path(raw)
        if not path.is_file():
            raise TerraformError(f"--var-file {raw}: no such file")
        for name, expr in read_tfvars(path, raw).items():
            root.values[name] = VarValue(expr, None, raw)
    _load_children(root, 0, {directory.resolve()})
    return root


def _load_children(inst: Instance, depth: int, stack: set[Path]) -> None:
    for name, call in inst.calls.items():
        inst.children[name] = None
        source_attr = call.body.attrs.get("source")
        source = _literal_source(source_attr)
        if source is None or depth >= MAX_MODULE_DEPTH:
            continue
        child_dir, child_display, rel = _module_dir(inst, name, source)
        if child_dir is None:
            continue
        try:
            key = child_dir.resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL in the source
            continue
        if key in stack or not _module_present(child_dir, child_display):
            continue  # a call back into an enclosing module, or a source that is not here
        child = Instance(f"{inst.prefix}module.{name}.", child_dir, child_display,
                         path_module=_join(inst.path_module, rel) if rel else child_display,
                         path_root=inst.path_root, parent=inst, call=call)
        # A module that is here but cannot be read (a file unreadable, not UTF-8, not HCL) is the
        # unit's error, as the same file at the top would be: skipping it would hide its
        # resources, and every value that flows through it, without a word.
        child.files = _read_files(child_dir, child_display)
        _index(child)
        _defaults(child)
        for arg, attr in call.body.attrs.items():
            if arg not in META_ARGUMENTS:
                child.values[arg] = VarValue(attr.expr, inst, "")
        inst.children[name] = child
        _load_children(child, depth + 1, stack | {key})


def _module_present(directory: Path, display: str) -> bool:
    """True when a module directory holds ``.tf`` / ``.tf.json`` files. A source that is not
    here (a path that does not exist, a file, a remote module ``terraform init`` did not fetch)
    is False, not an error: such a module is unknown, like a remote one. A directory that is
    here but cannot be listed is a ``TerraformError``."""
    try:
        with os.scandir(directory) as entries:
            return any(e.name.endswith((".tf", ".tf.json")) and e.is_file() for e in entries)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL in the source
        return False
    except OSError as exc:
        raise TerraformError(f"{display}: cannot read directory: {exc.strerror or exc}") from None


def _literal_source(attr: Attr | None) -> str | None:
    if attr is None:
        return None
    expr = attr.expr
    if isinstance(expr, JsonExpr):
        return expr.value if isinstance(expr.value, str) else None
    node = getattr(expr, "node", None)
    if node is None:
        return None
    text = node.text.decode("utf-8", "replace").strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and "${" not in text:
        return text[1:-1]
    return None


def _module_dir(inst: Instance, name: str, source: str) -> tuple[Path | None, str, str]:
    """The directory of a module call: a local path, or what ``terraform init`` vendored."""
    if source.startswith(("./", "../")):
        return inst.dir / source, _join(inst.display, source), source
    # Registry and remote sources: the copy `terraform init` recorded in .terraform/modules.
    root = inst
    while root.parent is not None:
        root = root.parent
    manifest = root.dir / ".terraform" / "modules" / "modules.json"
    if not manifest.is_file():
        return None, "", ""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, "", ""
    key = (inst.prefix.replace("module.", "") + name).rstrip(".")
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and entry.get("Key") == key and isinstance(entry.get("Dir"), str):
            rel = entry["Dir"]
            return root.dir / rel, _join(root.display, rel), ""
    return None, "", ""
