"""A small TOML writer for rules given as a dict: tables, arrays of tables, strings, integers,
floats, booleans and arrays of them (what a rules file holds; docs/rules.md)."""

from __future__ import annotations

import math
from typing import Any, List, Mapping

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _key(k) -> str:
    k = str(k)
    return k if k and set(k) <= _BARE else _string(k)


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"a rules value must be a str, number, bool, list or dict, not {type(v).__name__}")


def _is_table_array(v) -> bool:
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, Mapping) for x in v)


def _table(lines: List[str], path: List[str], table: Mapping[str, Any]) -> None:
    # Plain keys first (they belong to this table), then sub-tables and arrays of tables.
    for k, v in table.items():
        if not isinstance(v, Mapping) and not _is_table_array(v):
            lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in table.items():
        if isinstance(v, Mapping):
            sub = path + [_key(k)]
            lines.append("")
            lines.append("[" + ".".join(sub) + "]")
            _table(lines, sub, v)
        elif _is_table_array(v):
            sub = path + [_key(k)]
            for item in v:
                lines.append("")
                lines.append("[[" + ".".join(sub) + "]]")
                _table(lines, sub, item)


def dumps(rules: Mapping[str, Any]) -> str:
    """TOML text that reads back (tomllib.loads) as `rules`."""
    lines: List[str] = []
    _table(lines, [], rules)
    return "\n".join(lines) + "\n"
