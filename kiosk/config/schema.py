"""The typed model under every section: msgspec ``Struct`` schemas and their errors as ours.

Each section module declares the shape of its TOML table as a :class:`Section` (types, ranges,
choices, defaults; unknown keys refused) and converts its table with :func:`convert`. What a
type cannot say (a template's fields, a device URL, two keys that must agree) the section
checks after, with :class:`Table`'s ``fail``, so that every refusal is one
:class:`~kiosk.errors.ConfigError` naming the full key, the value and the problem.

Why msgspec (``python -m bench.config_models``, README's figures): of pydantic, msgspec and
attrs+cattrs it adds the least to the kiosk's start-up and memory (import, model definition and
parse of the example config), refuses a ``true`` where a number goes and a ``2.5`` where a
whole number goes without options, and its errors carry the exact path (``$.locker.boards``)
and the bound that was crossed, from which the messages below are written. pydantic's messages
are as precise but it costs several times the start-up and memory; cattrs' name neither the
bound nor, for a validator, the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import msgspec
import msgspec.inspect as mi

from kiosk.errors import ConfigError

S = TypeVar("S", bound="Section")

_AT = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_KINDS = {
    "int": "a whole number",
    "float": "a number",
    "str": "a text",
    "bool": "true or false",
    "array": "a list",
    "object": "a table",
}


class Section(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A config table's shape: every key typed, most with a default; unknown keys refused."""


@dataclass(frozen=True)
class Table:
    """Where a section's table sits: names the full key in each error.

    Attributes:
        prefix: the table's key (``locker``, ``services[1]``, ``photo.mount``); empty at the top.
        source: the file (or ``<memory>``) named in errors.
        data: the raw table (values quoted in errors).
    """

    prefix: str
    source: str
    data: Mapping[str, Any]

    def key(self, name: str) -> str:
        """The full key of ``name`` in this table."""
        if not name:
            return self.prefix
        if not self.prefix:
            return name
        return f"{self.prefix}{name}" if name.startswith("[") else f"{self.prefix}.{name}"

    def fail(self, name: str, value: object, problem: str) -> NoReturn:
        """Refuse ``name`` (a key of this table) with ``value`` and the problem."""
        raise ConfigError(self.key(name), value, problem, source=self.source)

    def sub(self, name: str) -> Table:
        """The table under ``name`` (an empty one when absent; a non-table is refused)."""
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            self.fail(name, value, "must be a table")
        return Table(self.key(name), self.source, value)


def table_at(data: Mapping[str, Any], name: str, source: str) -> Table:
    """The top-level table ``name`` of the document (empty when absent)."""
    return Table("", source, data).sub(name)


def convert(table: Table, schema: type[S]) -> S:
    """The table as its schema, or a :class:`ConfigError` naming the key that is wrong.

    Raises:
        ConfigError: a key is missing, unknown, of the wrong type or out of its range.
    """
    try:
        return msgspec.convert(table.data, schema)
    except msgspec.ValidationError as exc:
        raise _config_error(table, schema, str(exc)) from None


def _config_error(table: Table, schema: type[Section], message: str) -> ConfigError:
    match = _AT.match(message)
    problem = match["problem"] if match else message
    steps = _steps(match["path"] if match and match["path"] else "")
    key = table.prefix
    for step in steps:
        key = f"{key}[{step}]" if isinstance(step, int) else _join(key, step)
    value = _value_at(table.data, steps)
    info = _type_at(mi.type_info(schema), steps)
    if extra := re.match(r"Object contains unknown field `(.*)`", problem):
        name = extra[1]
        value = value.get(name) if isinstance(value, Mapping) else None
        return ConfigError(_join(key, name), value, "unknown key (misspelt?)", source=table.source)
    if missing := re.match(r"Object missing required field `(.*)`", problem):
        return ConfigError(_join(key, missing[1]), None, "is missing", source=table.source)
    return ConfigError(key or "file", value, _wording(problem, info, value), source=table.source)


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for name, index in _STEP.findall(path):
        if name:
            steps.append(name)
        elif index.isdigit():
            steps.append(int(index))
    return steps


def _value_at(data: object, steps: list[str | int]) -> Any:
    value: Any = data
    for step in steps:
        if isinstance(step, int) and isinstance(value, list) and step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, Mapping):
            value = value.get(step)
        else:
            return None
    return value


def _type_at(info: mi.Type, steps: list[str | int]) -> mi.Type | None:
    current: mi.Type | None = info
    for step in steps:
        current = _unwrap(current)
        if isinstance(current, mi.StructType) and isinstance(step, str):
            field = next((f for f in current.fields if f.encode_name == step), None)
            current = field.type if field is not None else None
        elif isinstance(current, mi.ListType | mi.VarTupleType) and isinstance(step, int):
            current = current.item_type
        else:
            return None
    return _unwrap(current)


def _unwrap(info: mi.Type | None) -> mi.Type | None:
    """The one non-None type of ``X | None`` (a union of more says nothing precise)."""
    if isinstance(info, mi.UnionType):
        rest = [t for t in info.types if not isinstance(t, mi.NoneType)]
        return rest[0] if len(rest) == 1 else info
    return info


def _wording(problem: str, info: mi.Type | None, value: object) -> str:
    """msgspec's problem in the config's words (the kind of value, both bounds, the choices)."""
    if isinstance(info, mi.IntType | mi.FloatType):
        whole = isinstance(info, mi.IntType)
        if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
            return "is far out of range (more than 64 bits)"
        right_kind = not isinstance(value, bool) and isinstance(
            value, int if whole else int | float
        )
        kind = "" if right_kind else "a whole number " if whole else "a number "
        low = info.ge if info.ge is not None else info.gt
        high = info.le if info.le is not None else info.lt
        if low is not None and high is not None:
            return f"must be {kind}between {low:g} and {high:g}"
        if low is not None:
            return f"must be {kind}of at least {low:g}"
        if high is not None:
            return f"must be {kind}of at most {high:g}"
        return f"must be {kind.strip()}"
    if isinstance(info, mi.LiteralType):
        choices = [repr(v) for v in info.values]
        listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
        return f"must be one of {listed}"
    if expected := re.match(r"Expected `(\w+)`", problem):
        return f"must be {_KINDS.get(expected[1], expected[1])}"
    return problem
