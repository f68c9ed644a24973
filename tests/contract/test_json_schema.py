"""kiosk/link/json_schema.py: the contract's schemas through fastjsonschema, and our guards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.link.contract import Contract
from kiosk.link.json_schema import SchemaError, SchemaSet

COMMON = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "common.json",
    "$defs": {"count": {"type": "integer", "minimum": 0}},
}


def folder_with(tmp_path: Path, **schemas: dict[str, Any]) -> Path:
    """A schema folder with ``common.json`` and ``events/<name>.json`` for each schema."""
    (tmp_path / "events").mkdir()
    (tmp_path / "common.json").write_text(json.dumps(COMMON), encoding="utf-8")
    for name, schema in schemas.items():
        path = tmp_path / "events" / f"{name}.json"
        path.write_text(json.dumps(schema), encoding="utf-8")
    return tmp_path


def test_a_ref_to_another_file_of_the_folder_resolves_relative_to_the_file(
    tmp_path: Path,
) -> None:
    schema = {
        "type": "object",
        "properties": {"waiting": {"$ref": "../common.json#/$defs/count"}},
    }
    schemas = SchemaSet(folder_with(tmp_path, queue=schema))
    assert schemas.validate("events/queue.json", {"waiting": 3}) == []
    assert schemas.validate("events/queue.json", {"waiting": -1}) == [
        "$.waiting: must be bigger than or equal to 0 (got -1)"
    ]


def test_a_misspelt_keyword_is_refused_when_the_schemas_are_loaded(tmp_path: Path) -> None:
    schema = {"type": "object", "requried": ["id"]}
    with pytest.raises(SchemaError) as info:
        SchemaSet(folder_with(tmp_path, typo=schema))
    assert str(info.value) == "events/typo.json#: keywords we do not check: ['requried']"


def test_a_2020_12_keyword_fastjsonschema_does_not_check_is_refused(tmp_path: Path) -> None:
    schema = {"type": "array", "prefixItems": [{"type": "string"}]}
    with pytest.raises(SchemaError) as info:
        SchemaSet(folder_with(tmp_path, pair=schema))
    assert str(info.value) == "events/pair.json#: keywords we do not check: ['prefixItems']"


def test_a_ref_with_an_assertion_beside_it_is_refused_since_it_would_be_ignored(
    tmp_path: Path,
) -> None:
    schema = {
        "type": "object",
        "properties": {"door": {"$ref": "../common.json#/$defs/count", "maximum": 48}},
    }
    with pytest.raises(SchemaError) as info:
        SchemaSet(folder_with(tmp_path, door=schema))
    assert str(info.value) == (
        "events/door.json#/properties/door: $ref with ['maximum'] beside it (put them in allOf)"
    )


@pytest.mark.parametrize(
    "ref", ["https://example.com/other.json", "file:///etc/hostname", "ftp://example.com/x"]
)
def test_a_ref_outside_the_folder_fails_the_load_and_is_never_fetched(
    ref: str, tmp_path: Path
) -> None:
    schema = {"properties": {"x": {"$ref": ref}}}
    with pytest.raises(SchemaError) as info:
        SchemaSet(folder_with(tmp_path, remote=schema))
    assert str(info.value) == (
        f"events/remote.json: cannot be compiled: $ref to {ref!r}: not a schema of {tmp_path}"
    )


def test_a_ref_to_a_definition_that_does_not_exist_fails_the_load(tmp_path: Path) -> None:
    schema = {"properties": {"x": {"$ref": "../common.json#/$defs/nothing"}}}
    with pytest.raises(SchemaError) as info:
        SchemaSet(folder_with(tmp_path, dangling=schema))
    assert str(info.value).startswith("events/dangling.json: cannot be compiled")


def test_the_formats_are_ours_a_lower_case_uuid_and_rfc_3339_with_a_zone() -> None:
    schemas = Contract.load().schemas
    envelope = json.loads(
        (Path(__file__).resolve().parents[2] / "docs/schemas/envelope.json").read_text()
    )["examples"][0]
    assert schemas.validate("envelope.json", envelope) == []
    upper = {**envelope, "id": envelope["id"].upper()}
    assert schemas.validate("envelope.json", upper) == [
        '$.id: must be uuid (got "01890A5D-AC96-774B-BCCE-B302099A8057")'
    ]
    no_zone = {**envelope, "ts": "2026-11-27T01:02:03.456"}
    assert schemas.validate("envelope.json", no_zone) == [
        '$.ts: must be date-time (got "2026-11-27T01:02:03.456")'
    ]
    no_day = {**envelope, "ts": "2026-02-30T01:02:03Z"}
    assert schemas.validate("envelope.json", no_day) == [
        '$.ts: must be date-time (got "2026-02-30T01:02:03Z")'
    ]


def test_every_missing_member_is_named_in_one_error() -> None:
    schemas = Contract.load().schemas
    assert schemas.validate("ack.json", {}) == [
        "$: must contain ['acked_seq', 'incarnation'] properties"
    ]


def test_the_schemas_are_compiled_once_per_process() -> None:
    assert Contract.load().schemas is Contract.load().schemas


def test_an_unknown_schema_name_is_an_error_not_a_pass() -> None:
    with pytest.raises(SchemaError) as info:
        Contract.load().schemas.validate("events/ticket.teleported.json", {})
    assert str(info.value).startswith("no schema 'events/ticket.teleported.json' in ")
