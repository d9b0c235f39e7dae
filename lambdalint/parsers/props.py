"""Typed, located access to one property map of a template.

Every accessor returns a ``Val``: an absent property becomes the AWS default (located at the
resource header, where the fix goes), an unresolvable one becomes unknown, and a property a SAM
``Globals`` merge supplied keeps its Globals position with ``Prov.INHERITED``.
"""

from __future__ import annotations

from typing import Any

from lambdalint.model import Loc, Prov, Val, is_literal
from lambdalint.parsers.decode import Map
from lambdalint.parsers.intrinsics import NOVALUE, Resolver

_MISSING = object()


class Props:
    def __init__(
        self,
        resolver: Resolver,
        file: str,
        data: Any,
        pointer: tuple[str | int, ...],
        header: Loc,
        inherited: bool = False,
        unknown_why: str = "",
    ) -> None:
        self.resolver = resolver
        self.file = file
        self.data = data if isinstance(data, dict) else None
        self.pointer = pointer
        self.header = header
        self.inherited = inherited
        self.unknown_why = unknown_why

    @classmethod
    def at(cls, resolver: Resolver, file: str, parent: Any, key: str, pointer: tuple, header: Loc) -> Props:
        """The property map ``parent[key]`` (empty when absent, unknown when not a map)."""
        loc = loc_of(file, parent, key, pointer, header)
        if not isinstance(parent, dict) or key not in parent:
            return cls(resolver, file, None, (*pointer, key), loc)
        raw = parent[key]
        inherited = isinstance(parent, Map) and key in parent.inherited
        if isinstance(raw, dict) and not _is_intrinsic(raw):
            return cls(resolver, file, raw, (*pointer, key), loc, inherited)
        value = resolver.eval(raw)
        if value == NOVALUE:
            return cls(resolver, file, None, (*pointer, key), loc, inherited)
        if isinstance(value, dict):
            return cls(resolver, file, value, (*pointer, key), loc, inherited)
        return cls(resolver, file, None, (*pointer, key), loc, inherited, unknown_why=_why(resolver, value))

    # -- structure --------------------------------------------------------------------------
    @property
    def present(self) -> bool:
        return self.data is not None

    @property
    def unknown(self) -> bool:
        return bool(self.unknown_why)

    def has(self, key: str) -> bool:
        return self.data is not None and key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default) if self.data is not None else default

    def loc(self, key: str | None = None) -> Loc:
        if key is None:
            return self.header
        return loc_of(self.file, self.data, key, self.pointer, self.header)

    def sub(self, key: str) -> Props:
        if self.unknown:
            return Props(self.resolver, self.file, None, (*self.pointer, key), self.header,
                         self.inherited, self.unknown_why)
        child = Props.at(self.resolver, self.file, self.data, key, self.pointer, self.header)
        child.inherited = child.inherited or self.inherited or self.is_inherited(key)
        return child

    def is_inherited(self, key: str) -> bool:
        return self.inherited or (isinstance(self.data, Map) and key in self.data.inherited)

    def keys(self) -> list[str]:
        return [k for k in self.data if isinstance(k, str)] if self.data is not None else []

    # -- values -----------------------------------------------------------------------------
    def resolve(self, key: str) -> tuple[Any, Val[Any]]:
        """The evaluated value of ``key`` and a ``Val`` shell (value filled by typed getters)."""
        if self.unknown:
            return _MISSING, Val(None, self.header, Prov.UNKNOWN, why=self.unknown_why)
        if not self.has(key):
            return _MISSING, Val(None, self.header, Prov.DEFAULT)
        value, via = self.resolver.evaluate(self.data[key])
        loc = self.loc(key)
        if value == NOVALUE:
            return _MISSING, Val(None, self.header, Prov.DEFAULT)
        prov = Prov.INHERITED if self.is_inherited(key) else Prov.EXPLICIT
        return value, Val(None, loc, prov, via="Globals" if prov is Prov.INHERITED else ", ".join(via))

    def int(self, key: str, default: int | None = None) -> Val[int]:
        value, shell = self.resolve(key)
        if value is _MISSING:
            return _with(shell, default if shell.known else None)
        number = as_int(value)
        if number is None:
            return _unknown(shell, _why(self.resolver, value))
        return _with(shell, number)

    def str(self, key: str, default: str | None = None) -> Val[str]:
        value, shell = self.resolve(key)
        if value is _MISSING:
            return _with(shell, default if shell.known else None)
        if isinstance(value, bool):
            return _with(shell, str(value).lower())
        if isinstance(value, (int, float)):
            return _with(shell, str(value))
        if not isinstance(value, str):
            return _unknown(shell, "not a string")
        return _with(shell, value)

    def bool(self, key: str, default: bool | None = None) -> Val[bool]:
        value, shell = self.resolve(key)
        if value is _MISSING:
            return _with(shell, default if shell.known else None)
        if isinstance(value, bool):
            return _with(shell, value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return _with(shell, value.lower() == "true")
        return _unknown(shell, _why(self.resolver, value))

    def strlist(self, key: str) -> Val[tuple[str, ...]]:
        """A list of strings; a single string counts as a one-item list."""
        value, shell = self.resolve(key)
        if value is _MISSING:
            return _with(shell, None)
        if isinstance(value, str) and is_literal(value):
            return _with(shell, (value,))
        if isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, str) or isinstance(item, int) and not isinstance(item, bool):
                    items.append(str(item))
                else:
                    return _unknown(shell, "list with a computed item")
            return _with(shell, tuple(items))
        return _unknown(shell, _why(self.resolver, value))

    def value(self, key: str) -> tuple[Any, Val[Any]]:
        """Raw evaluated value with its shell; for structures the typed getters do not cover."""
        value, shell = self.resolve(key)
        return (None if value is _MISSING else value), shell


def _is_intrinsic(raw: dict) -> bool:
    if len(raw) != 1:
        return False
    key = next(iter(raw))
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


def loc_of(file: str, parent: Any, key: str | int, pointer: tuple, header: Loc) -> Loc:
    positions = getattr(parent, "key_locs", None)
    if isinstance(positions, dict) and key in positions:
        line, col = positions[key]
        return Loc(file, line, col, line, col + len(str(key)), (*pointer, key))
    item_locs = getattr(parent, "item_locs", None)
    if isinstance(key, int) and item_locs is not None and 0 <= key < len(item_locs):
        line, col = item_locs[key]
        return Loc(file, line, col, line, col + 1, (*pointer, key))
    return header


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def _why(resolver: Resolver, value: Any) -> str:
    if isinstance(value, str):
        symbols = [c for c in value if not is_literal(c)]
        if symbols:
            return resolver.symbols.describe.get(symbols[0], "unresolved value")
    return "unresolved value"


def _with(shell: Val[Any], value: Any) -> Val[Any]:
    return Val(value, shell.loc, shell.prov, shell.via, shell.why)


def _unknown(shell: Val[Any], why: str) -> Val[Any]:
    return Val(None, shell.loc, Prov.UNKNOWN, shell.via, why)
