"""The JSON Schema validator kiosk/link/json_schema.py was until issue 14, kept only as the
baseline of ``bench.json_schema`` (the kiosk validates with a kept library now).

A small JSON Schema (draft 2020-12) validator for the contract's own schemas: they use only
the keywords below; a schema that uses any other keyword is refused when it is loaded.

Supported: ``type``, ``enum``, ``const``, ``properties``, ``required``,
``additionalProperties``, ``propertyNames``, ``minProperties``, ``items``, ``minItems``,
``maxItems``, ``minimum``, ``maximum``, ``exclusiveMinimum``, ``minLength``, ``maxLength``,
``pattern``, ``format`` (``date-time``, ``uuid``), ``oneOf``, ``anyOf``, ``allOf``,
``if``/``then``/``else``, ``$ref`` (to ``#/$defs/…``, to another file of the same folder,
or both), and the annotations ``$schema``, ``$id``, ``$defs``, ``$comment``, ``title``,
``description``, ``examples``, ``default``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError

log = logging.getLogger(__name__)

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
        "propertyNames",
        "minProperties",
        "items",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "oneOf",
        "anyOf",
        "allOf",
        "if",
        "then",
        "else",
        "$ref",
    }
)
_SUBSCHEMA_LISTS = ("oneOf", "anyOf", "allOf")
_SUBSCHEMA_ONE = ("additionalProperties", "propertyNames", "items", "if", "then", "else")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class SchemaError(KioskError, ValueError):
    """Raised when a schema file cannot be read, uses an unsupported keyword or a bad $ref."""


@dataclass(frozen=True)
class _Node:
    """A schema together with the file it came from (for resolving relative $refs)."""

    schema: Any
    doc: str


class SchemaSet:
    """Every ``*.json`` schema under one folder (sub-folders included), ready to validate.

    Args:
        folder: the schema folder; files are named by their path relative to it
            (``envelope.json``, ``events/ticket.issued.json``).

    Raises:
        SchemaError: a file is not JSON, uses an unsupported keyword or an unresolvable $ref.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._docs: dict[str, Any] = {}
        for path in sorted(folder.rglob("*.json")):
            name = path.relative_to(folder).as_posix()
            try:
                self._docs[name] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise SchemaError(f"schema {path} cannot be read: {exc}") from exc
        if not self._docs:
            raise SchemaError(f"no *.json schemas in {folder}")
        for name, doc in self._docs.items():
            self._check_keywords(doc, name, "")

    @property
    def names(self) -> list[str]:
        """The schema files, by name relative to the folder."""
        return sorted(self._docs)

    def has(self, name: str) -> bool:
        """True if a schema file of that name was loaded."""
        return name in self._docs

    def validate(self, name: str, instance: Any) -> list[str]:
        """Check ``instance`` against schema file ``name``; returns the errors (empty = valid).

        Raises:
            SchemaError: there is no schema of that name.
        """
        if name not in self._docs:
            raise SchemaError(f"no schema {name!r} in {self.folder}")
        errors: list[str] = []
        self._validate(_Node(self._docs[name], name), instance, "$", errors)
        return errors

    # ---- loading ---------------------------------------------------------------------------

    def _check_keywords(self, schema: Any, doc: str, where: str) -> None:
        if isinstance(schema, bool):
            return
        if not isinstance(schema, dict):
            raise SchemaError(f"{doc}{where or '#'}: a schema must be an object or a boolean")
        unknown = set(schema) - ANNOTATIONS - ASSERTIONS
        if unknown:
            raise SchemaError(f"{doc}{where or '#'}: unsupported keywords {sorted(unknown)}")
        if "$ref" in schema:
            self._resolve(schema["$ref"], doc)
        for key in ("properties", "$defs"):
            for sub_name, sub in schema.get(key, {}).items():
                self._check_keywords(sub, doc, f"{where}/{key}/{sub_name}")
        for key in _SUBSCHEMA_LISTS:
            for index, sub in enumerate(schema.get(key, [])):
                self._check_keywords(sub, doc, f"{where}/{key}/{index}")
        for key in _SUBSCHEMA_ONE:
            if key in schema:
                self._check_keywords(schema[key], doc, f"{where}/{key}")
        if "pattern" in schema:
            try:
                re.compile(schema["pattern"])
            except re.error as exc:
                raise SchemaError(f"{doc}{where}: bad pattern: {exc}") from exc

    def _resolve(self, ref: str, doc: str) -> _Node:
        file_part, _, pointer = ref.partition("#")
        target = doc
        if file_part:
            base = doc.rpartition("/")[0]
            target = f"{base}/{file_part}" if base else file_part
            parts: list[str] = []
            for piece in target.split("/"):
                if piece == "..":
                    if parts:
                        parts.pop()
                elif piece not in ("", "."):
                    parts.append(piece)
            target = "/".join(parts)
        if target not in self._docs:
            raise SchemaError(f"{doc}: $ref {ref!r} names no loaded schema file")
        node: Any = self._docs[target]
        for token in [t for t in pointer.split("/") if t]:
            key = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or key not in node:
                raise SchemaError(f"{doc}: $ref {ref!r} points at nothing")
            node = node[key]
        return _Node(node, target)

    # ---- validating ------------------------------------------------------------------------

    def _validate(self, node: _Node, value: Any, path: str, errors: list[str]) -> None:
        schema = node.schema
        if schema is True:
            return
        if schema is False:
            errors.append(f"{path}: no value is allowed here")
            return
        if "$ref" in schema:
            self._validate(self._resolve(schema["$ref"], node.doc), value, path, errors)
        if "type" in schema and not _has_type(value, schema["type"]):
            errors.append(f"{path}: {_short(value)} is not of type {schema['type']}")
            return
        if "const" in schema and not _same(value, schema["const"]):
            errors.append(f"{path}: {_short(value)} is not {schema['const']!r}")
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            errors.append(f"{path}: {_short(value)} is not one of {schema['enum']}")
        if isinstance(value, dict):
            self._validate_object(node, value, path, errors)
        elif isinstance(value, list):
            self._validate_array(node, value, path, errors)
        elif isinstance(value, str):
            _validate_string(schema, value, path, errors)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            _validate_number(schema, value, path, errors)
        for sub in schema.get("allOf", []):
            self._validate(_Node(sub, node.doc), value, path, errors)
        if "anyOf" in schema and not any(
            self._passes(_Node(sub, node.doc), value) for sub in schema["anyOf"]
        ):
            errors.append(f"{path}: {_short(value)} matches none of anyOf")
        if "oneOf" in schema:
            matches = sum(self._passes(_Node(sub, node.doc), value) for sub in schema["oneOf"])
            if matches != 1:
                detail = self._closest_errors(node, schema["oneOf"], value, path)
                errors.append(f"{path}: matches {matches} of oneOf (exactly 1 needed){detail}")
        if "if" in schema:
            branch = "then" if self._passes(_Node(schema["if"], node.doc), value) else "else"
            if branch in schema:
                self._validate(_Node(schema[branch], node.doc), value, path, errors)

    def _closest_errors(self, node: _Node, options: list[Any], value: Any, path: str) -> str:
        best: list[str] | None = None
        for sub in options:
            errs: list[str] = []
            self._validate(_Node(sub, node.doc), value, path, errs)
            if errs and (best is None or len(errs) < len(best)):
                best = errs
        return f" (closest: {'; '.join(best[:3])})" if best else ""

    def _passes(self, node: _Node, value: Any) -> bool:
        errors: list[str] = []
        self._validate(node, value, "$", errors)
        return not errors

    def _validate_object(
        self, node: _Node, value: dict[str, Any], path: str, errors: list[str]
    ) -> None:
        schema = node.schema
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: {key!r} is required")
        if len(value) < schema.get("minProperties", 0):
            errors.append(f"{path}: fewer than {schema['minProperties']} properties")
        properties: dict[str, Any] = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                self._validate(_Node(properties[key], node.doc), item, f"{path}.{key}", errors)
            elif "additionalProperties" in schema:
                extra = schema["additionalProperties"]
                if extra is False:
                    errors.append(f"{path}: property {key!r} is not allowed")
                else:
                    self._validate(_Node(extra, node.doc), item, f"{path}.{key}", errors)
            if "propertyNames" in schema:
                self._validate(_Node(schema["propertyNames"], node.doc), key, path, errors)

    def _validate_array(self, node: _Node, value: list[Any], path: str, errors: list[str]) -> None:
        schema = node.schema
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for index, item in enumerate(value):
                self._validate(_Node(schema["items"], node.doc), item, f"{path}[{index}]", errors)


def _validate_string(schema: dict[str, Any], value: str, path: str, errors: list[str]) -> None:
    if len(value) < schema.get("minLength", 0):
        errors.append(f"{path}: shorter than {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{path}: longer than {schema['maxLength']} characters")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {_short(value)} does not match {schema['pattern']!r}")
    fmt = schema.get("format")
    if fmt == "date-time" and not _is_rfc3339(value):
        errors.append(f"{path}: {_short(value)} is not an RFC 3339 date-time")
    elif fmt == "uuid" and not _UUID.fullmatch(value):
        errors.append(f"{path}: {_short(value)} is not a lower-case UUID")


def _validate_number(schema: dict[str, Any], value: float, path: str, errors: list[str]) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value} is below the minimum {schema['minimum']}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        errors.append(f"{path}: {value} is not above {schema['exclusiveMinimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: {value} is above the maximum {schema['maximum']}")


def _is_rfc3339(value: str) -> bool:
    if not _RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _has_type(value: Any, expected: str | list[str]) -> bool:
    names = [expected] if isinstance(expected, str) else expected
    return any(_is(value, name) for name in names)


def _is(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float)
    raise SchemaError(f"unknown JSON Schema type {name!r}")


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["SchemaError", "SchemaSet"]
