"""The contract's JSON Schemas (``docs/schemas``), validated by ``fastjsonschema``.

Until issue 14 this module was a validator of our own. ``bench.json_schema`` measured it
against ``jsonschema`` and ``fastjsonschema`` in the same runs (README, "Figures"): per valid
event (envelope + data) ``fastjsonschema`` took 0.07-0.11x our time and ``jsonschema``
2.5-5.7x, which also took 8-9x as long to import. The contract monitor and the suite-wide
event check (``tests/contract/event_check.py``) validate every message of the tests, so
validation speed is what counts. ``fastjsonschema`` compiles each schema to Python once (its
cost: 150-250 ms and ~4 MB for the folder, once per process: :func:`load_schemas` caches; the
running kiosk never loads the schemas) and is pure Python without dependencies.

What stays ours is small and deliberate:

* every file is registered under an absolute ``$id`` (``BASE`` + its path in the folder),
  so ``common.json#/$defs/…`` and ``../common.json#/$defs/…`` resolve between the files,
  and a ``$ref`` to anything else fails the load: nothing is ever fetched;
* ``fastjsonschema`` implements drafts up to 2019-09, and the files say 2020-12; they use
  only keywords both drafts read alike. So a keyword it does not implement (a typo such as
  ``requried``, or a 2020-12 one such as ``prefixItems``) is refused when the schemas are
  loaded, and so is a ``$ref`` with sibling assertions (``fastjsonschema`` reads them the
  draft-07 way: ignored). Nothing is silently left unchecked;
* the two formats are ours and stricter than the standard's: ``date-time`` is RFC 3339 with
  a time zone, ``uuid`` is lower case (what the kiosk writes; the server compares ids as
  strings).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import fastjsonschema

from kiosk.errors import KioskError

log = logging.getLogger(__name__)

BASE = "https://contract.kiosk.invalid/schemas/"
"""The base every schema file's ``$id`` is rebased on (``.invalid``: never resolvable)."""

ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"}
)
ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "items",
        "contains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "oneOf",
        "anyOf",
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "$ref",
    }
)
"""The keywords ``fastjsonschema`` checks and drafts 2019-09 and 2020-12 read alike."""

_SUBSCHEMA_MAPS = ("properties", "$defs", "patternProperties")
_SUBSCHEMA_LISTS = ("oneOf", "anyOf", "allOf")
_SUBSCHEMA_ONE = (
    "additionalProperties",
    "propertyNames",
    "items",
    "contains",
    "not",
    "if",
    "then",
    "else",
)
_DRAFT = "https://json-schema.org/draft/2019-09/schema"
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class SchemaError(KioskError, ValueError):
    """Raised when a schema file cannot be read or compiled, uses a keyword we do not
    check, has a ``$ref`` to nothing, or when a schema name was not loaded."""


def is_rfc3339(value: object) -> bool:
    """``format: date-time``: an RFC 3339 timestamp with its time zone (non-strings pass)."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def is_lower_case_uuid(value: object) -> bool:
    """``format: uuid``: a lower-case UUID (non-strings pass)."""
    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


def load_documents(folder: Path) -> dict[str, dict[str, Any]]:
    """Every ``*.json`` under ``folder`` by its path in it, ``$id`` rebased on ``BASE``.

    Raises:
        SchemaError: a file is not JSON or not an object, or there is none.
    """
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*.json")):
        name = path.relative_to(folder).as_posix()
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SchemaError(f"schema {path} cannot be read: {exc}") from exc
        if not isinstance(doc, dict):
            raise SchemaError(f"schema {path} is not a JSON object")
        docs[name] = {**doc, "$id": BASE + name}
    if not docs:
        raise SchemaError(f"no *.json schemas in {folder}")
    return docs


class SchemaSet:
    """Every ``*.json`` schema under one folder (sub-folders included), ready to validate.

    Args:
        folder: the schema folder; files are named by their path relative to it
            (``envelope.json``, ``events/ticket.issued.json``).

    Raises:
        SchemaError: a file is not JSON, uses a keyword we do not check, or has a
            ``$ref`` that resolves to nothing.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        docs = load_documents(folder)
        by_id = {doc["$id"]: doc for doc in docs.values()}

        def local_only(uri: str) -> Any:
            found = by_id.get(uri.partition("#")[0])
            if found is None:
                raise SchemaError(f"$ref to {uri!r}: not a schema of {folder}")
            return found

        handlers = _EveryScheme(local_only)

        formats = {"date-time": is_rfc3339, "uuid": is_lower_case_uuid}
        self._validators: dict[str, Any] = {}
        for name, doc in docs.items():
            _check_keywords(doc, name, "")
            try:
                self._validators[name] = fastjsonschema.compile(
                    {**doc, "$schema": _DRAFT},
                    handlers=handlers,
                    formats=formats,
                    use_default=False,
                    fast_fail=False,
                )
            except (fastjsonschema.JsonSchemaDefinitionException, KeyError, SchemaError) as exc:
                raise SchemaError(f"{name}: cannot be compiled: {exc}") from exc

    @property
    def names(self) -> list[str]:
        """The schema files, by name relative to the folder."""
        return sorted(self._validators)

    def has(self, name: str) -> bool:
        """True if a schema file of that name was loaded."""
        return name in self._validators

    def validate(self, name: str, instance: Any) -> list[str]:
        """Check ``instance`` against schema file ``name``; returns the errors (empty = valid).

        Each error is ``<JSON path>: <what is wrong>``, e.g. ``$.seq: must be bigger than or
        equal to 1 (got 0)``.

        Raises:
            SchemaError: there is no schema of that name.
        """
        validator = self._validators.get(name)
        if validator is None:
            raise SchemaError(f"no schema {name!r} in {self.folder}")
        try:
            validator(instance)
        except fastjsonschema.JsonSchemaValuesException as exc:
            return [_describe(error) for error in exc.errors]
        except fastjsonschema.JsonSchemaValueException as exc:
            return [_describe(exc)]
        return []


class _EveryScheme(dict[str, Callable[[str], Any]]):
    """``fastjsonschema``'s ``$ref`` handlers, one for every URI scheme.

    NOTE: for a scheme without a handler it calls ``urlopen`` (``file:``, ``http:``…): a
    schema could read a local file or the network. Every scheme answers from the folder.
    """

    def __init__(self, handler: Callable[[str], Any]):
        super().__init__()
        self._handler = handler

    def __contains__(self, scheme: object) -> bool:
        return True

    def __getitem__(self, scheme: str) -> Callable[[str], Any]:
        return self._handler


@functools.cache
def load_schemas(folder: Path) -> SchemaSet:
    """The :class:`SchemaSet` of ``folder``, compiled once per process (the files are the
    checkout's, read-only while tests and tools run)."""
    return SchemaSet(folder)


def _describe(error: fastjsonschema.JsonSchemaValueException) -> str:
    name = error.name or "data"
    path = "$" + name.removeprefix("data")
    text = error.message.removeprefix(f"{name} ")
    if error.value is None or isinstance(error.value, bool | int | float | str):
        text += f" (got {_short(error.value)})"
    return f"{path}: {text}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_keywords(schema: Any, doc: str, where: str) -> None:
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise SchemaError(f"{doc}#{where}: a schema must be an object or a boolean")
    unknown = set(schema) - ANNOTATIONS - ASSERTIONS
    if unknown:
        raise SchemaError(f"{doc}#{where}: keywords we do not check: {sorted(unknown)}")
    if "$ref" in schema and set(schema) & ASSERTIONS != {"$ref"}:
        siblings = sorted(set(schema) & ASSERTIONS - {"$ref"})
        raise SchemaError(f"{doc}#{where}: $ref with {siblings} beside it (put them in allOf)")
    for key in _SUBSCHEMA_MAPS:
        for sub_name, sub in schema.get(key, {}).items():
            _check_keywords(sub, doc, f"{where}/{key}/{sub_name}")
    for key in _SUBSCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key, [])):
            _check_keywords(sub, doc, f"{where}/{key}/{index}")
    for key in _SUBSCHEMA_ONE:
        if key in schema:
            _check_keywords(schema[key], doc, f"{where}/{key}")


__all__ = [
    "BASE",
    "SchemaError",
    "SchemaSet",
    "is_lower_case_uuid",
    "is_rfc3339",
    "load_documents",
    "load_schemas",
]
