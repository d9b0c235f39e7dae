"""Typed, located access to one property map of a template.

Every accessor returns a ``Val``: an absent property becomes the AWS default (located at the
resource header, where the fix goes), an unresolvable one becomes unknown, and a property a SAM
``Globals`` merge supplied keeps its Globals position with ``Prov.INHERITED``.
"""

from __future__ import annotations

import re
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
        if isinstance(raw, dict) and (len(raw) != 1 or not _is_intrinsic(raw)):
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
        if self.unknown_why:
            return Props(self.resolver, self.file, None, (*self.pointer, key), self.header,
                         self.inherited, self.unknown_why)
        data = self.data
        child = Props.at(self.resolver, self.file, data, key, self.pointer, self.header)
        child.inherited = (child.inherited or self.inherited
                           or (isinstance(data, Map) and key in data.inherited))
        return child

    def is_inherited(self, key: str) -> bool:
        return self.inherited or (isinstance(self.data, Map) and key in self.data.inherited)

    def keys(self) -> list[str]:
        return [k for k in self.data if isinstance(k, str)] if self.data is not None else []

    # -- values -----------------------------------------------------------------------------
    def _lookup(self, key: str) -> tuple[Any, Loc, Prov, str, str]:
        """(value, loc, prov, via, why) of ``key``, value ``_MISSING`` when there is none: the parts
        of ``resolve``'s shell, so each typed getter builds one ``Val`` (they run for every
        property of every resource)."""
        if self.unknown_why:
            return _MISSING, self.header, Prov.UNKNOWN, "", self.unknown_why
        data = self.data
        if data is None or key not in data:
            return _MISSING, self.header, Prov.DEFAULT, "", ""
        value, via = self.resolver.evaluate(data[key])
        if value == NOVALUE:
            return _MISSING, self.header, Prov.DEFAULT, "", ""
        loc = loc_of(self.file, data, key, self.pointer, self.header)
        if self.inherited or (isinstance(data, Map) and key in data.inherited):
            return value, loc, Prov.INHERITED, "Globals", ""
        return value, loc, Prov.EXPLICIT, ", ".join(via), ""

    def resolve(self, key: str) -> tuple[Any, Val[Any]]:
        """The evaluated value of ``key`` and a ``Val`` shell (value filled by typed getters)."""
        value, loc, prov, via, why = self._lookup(key)
        return value, Val(None, loc, prov, via, why)

    def int(self, key: str, default: int | None = None) -> Val[int]:
        value, loc, prov, via, why = self._lookup(key)
        if value is _MISSING:
            return Val(default if prov is not Prov.UNKNOWN else None, loc, prov, via, why)
        number = as_int(value)
        if number is None:
            return Val(None, loc, Prov.UNKNOWN, via, _why(self.resolver, value))
        return Val(number, loc, prov, via, why)

    def str(self, key: str, default: str | None = None) -> Val[str]:
        value, loc, prov, via, why = self._lookup(key)
        if value is _MISSING:
            return Val(default if prov is not Prov.UNKNOWN else None, loc, prov, via, why)
        if isinstance(value, str):
            return Val(value, loc, prov, via, why)
        if isinstance(value, bool):
            return Val(str(value).lower(), loc, prov, via, why)
        if isinstance(value, (int, float)):
            return Val(str(value), loc, prov, via, why)
        return Val(None, loc, Prov.UNKNOWN, via, "not a string")

    def bool(self, key: str, default: bool | None = None) -> Val[bool]:
        value, loc, prov, via, why = self._lookup(key)
        if value is _MISSING:
            return Val(default if prov is not Prov.UNKNOWN else None, loc, prov, via, why)
        if isinstance(value, bool):
            return Val(value, loc, prov, via, why)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return Val(value.lower() == "true", loc, prov, via, why)
        return Val(None, loc, Prov.UNKNOWN, via, _why(self.resolver, value))

    def strlist(self, key: str) -> Val[tuple[str, ...]]:
        """A list of strings; a single string counts as a one-item list."""
        value, loc, prov, via, why = self._lookup(key)
        if value is _MISSING:
            return Val(None, loc, prov, via, why)
        if isinstance(value, str) and is_literal(value):
            return Val((value,), loc, prov, via, why)
        if isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool)):
                    items.append(str(item))
                else:
                    return Val(None, loc, Prov.UNKNOWN, via, "list with a computed item")
            return Val(tuple(items), loc, prov, via, why)
        return Val(None, loc, Prov.UNKNOWN, via, _why(self.resolver, value))

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
        symbol = _SYMBOL.search(value)  # the first unknown part (one search, not one per character)
        if symbol is not None:
            return resolver.symbols.describe.get(symbol.group(), "unresolved value")
    return "unresolved value"


_SYMBOL = re.compile("[\U000f0000-\U0010fffd]")  # lambdalint.model's symbol range
