"""Typed, located access to one Terraform block's arguments (the ``Props`` of Terraform).

Every accessor returns a ``Val`` with the same semantics as the CloudFormation side: an absent
argument (or one that evaluates to ``null``) takes the AWS default, located at the block header
where the fix goes; an argument that cannot be evaluated is unknown; a value that came from a
variable says so in ``via`` ("variable db_timeout default", "terraform.tfvars").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdalint.model import Loc, Prov, Val, is_literal
from lambdalint.parsers.props import as_int
from lambdalint.parsers.terraform.hcl import Attr, Block, Body

if TYPE_CHECKING:
    from lambdalint.parsers.terraform.evaluate import Evaluator
    from lambdalint.parsers.terraform.modules import Instance

_MISSING = object()


class Attrs:
    def __init__(self, ev: Evaluator, inst: Instance, body: Body | None, header: Loc, address: str,
                 unknown_why: str = "") -> None:
        self.ev = ev
        self.inst = inst
        self.body = body
        self.header = header
        self.address = address
        self.unknown_why = unknown_why
        self.last_vars: set[str] = set()
        self.last_refs: set[str] = set()

    @classmethod
    def of(cls, ev: Evaluator, inst: Instance, blk: Block, address: str) -> Attrs:
        if blk.dynamic:
            return cls(ev, inst, None, blk.loc, address, unknown_why=f"dynamic {blk.type} block")
        return cls(ev, inst, blk.body, blk.loc, address)

    # -- structure ----------------------------------------------------------------------------
    @property
    def present(self) -> bool:
        return self.body is not None

    @property
    def unknown(self) -> bool:
        return bool(self.unknown_why)

    def has(self, name: str) -> bool:
        return self.body is not None and name in self.body.attrs

    def attr(self, name: str) -> Attr | None:
        return self.body.attrs.get(name) if self.body is not None else None

    def loc(self, name: str | None = None) -> Loc:
        attr = self.attr(name) if name else None
        return attr.loc if attr is not None else self.header

    def sub(self, name: str) -> Attrs:
        """The first nested block ``name`` (absent: not present; ``dynamic``: unknown)."""
        if self.unknown:
            return Attrs(self.ev, self.inst, None, self.header, self.address, self.unknown_why)
        blk = self.body.block(name) if self.body is not None else None
        if blk is None:
            return Attrs(self.ev, self.inst, None, self.header, self.address)
        return Attrs.of(self.ev, self.inst, blk, self.address)

    def subs(self, name: str) -> list[Attrs]:
        if self.body is None:
            return []
        return [Attrs.of(self.ev, self.inst, blk, self.address) for blk in self.body.all(name)]

    def has_dynamic(self, name: str) -> bool:
        return self.body is not None and any(b.type == name and b.dynamic for b in self.body.blocks)

    # -- values -------------------------------------------------------------------------------
    def eval(self, name: str) -> Any:
        """The evaluated value of an argument (None when absent)."""
        attr = self.attr(name)
        if attr is None:
            return None
        value, _ = self.ev.evaluate(attr.expr, self.inst, {"\x00self": self.address})
        return value

    def resolve(self, name: str) -> tuple[Any, Val[Any]]:
        if self.unknown:
            return _MISSING, Val(None, self.header, Prov.UNKNOWN, why=self.unknown_why)
        attr = self.attr(name)
        if attr is None:
            return _MISSING, Val(None, self.header, Prov.DEFAULT)
        value, trail = self.ev.evaluate(attr.expr, self.inst, {"\x00self": self.address})
        self.last_vars, self.last_refs = set(self.ev.vars_used), set(self.ev.refs_used)
        if value is None:
            return _MISSING, Val(None, attr.loc, Prov.DEFAULT, via=", ".join(trail))
        return value, Val(None, attr.loc, Prov.EXPLICIT, via=", ".join(trail))

    def int(self, name: str, default: int | None = None) -> Val[int]:
        value, shell = self.resolve(name)
        if value is _MISSING:
            return _with(shell, default if shell.known else None)
        number = as_int(value)
        if number is None:
            return _unknown(shell, self.why(value))
        return _with(shell, number)

    def str(self, name: str, default: str | None = None) -> Val[str]:
        value, shell = self.resolve(name)
        if value is _MISSING:
            return _with(shell, default if shell.known else None)
        if isinstance(value, bool):
            return _with(shell, "true" if value else "false")
        if isinstance(value, (int, float)):
            return _with(shell, str(value))
        if not isinstance(value, str):
            return _unknown(shell, "not a string")
        return _with(shell, value)

    def bool(self, name: str, default: bool | None = None) -> Val[bool]:
        value, shell = self.resolve(name)
        if value is _MISSING:
            return _with(shell, default if shell.known else None)
        if isinstance(value, bool):
            return _with(shell, value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return _with(shell, value.lower() == "true")
        return _unknown(shell, self.why(value))

    def strlist(self, name: str) -> Val[tuple[str, ...]]:
        value, shell = self.resolve(name)
        if value is _MISSING:
            return _with(shell, None)
        if isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool)):
                    items.append(str(item))
                else:
                    return _unknown(shell, "list with a computed item")
            return _with(shell, tuple(items))
        if isinstance(value, str) and is_literal(value):
            return _with(shell, (value,))
        return _unknown(shell, self.why(value))

    def value(self, name: str) -> tuple[Any, Val[Any]]:
        value, shell = self.resolve(name)
        return (None if value is _MISSING else value), shell

    def why(self, value: Any) -> str:
        if isinstance(value, str):
            for ch in value:
                if not is_literal(ch):
                    return self.ev.symbols.describe.get(ch, "unresolved value")
        return "unresolved value"


def _with(shell: Val[Any], value: Any) -> Val[Any]:
    return Val(value, shell.loc, shell.prov, shell.via, shell.why)


def _unknown(shell: Val[Any], why: str) -> Val[Any]:
    return Val(None, shell.loc, Prov.UNKNOWN, shell.via, why)
