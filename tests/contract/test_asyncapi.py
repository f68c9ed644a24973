"""docs/asyncapi.yaml, docs/schemas and kiosk/link/contract.py tell the same contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from kiosk.link.contract import DEFAULT_SCHEMA_DIR, RULES, Contract, Direction
from kiosk.link.topics import EVENT_CATEGORIES

DOCS = Path(__file__).resolve().parents[2] / "docs"

# AsyncAPI channel -> rule name of kiosk/link/contract.py
CHANNEL_RULES = {
    "kiosk/v1/{kiosk_id}/state": "state",
    "kiosk/v1/{kiosk_id}/health": "health",
    "kiosk/v1/{kiosk_id}/evt/{category}": "evt",
    "kiosk/v1/{kiosk_id}/ack": "ack",
    "kiosk/v1/{kiosk_id}/cmd": "cmd",
    "kiosk/v1/{kiosk_id}/config/desired": "config/desired",
    "kiosk/v1/{kiosk_id}/config/reported": "config/reported",
    "kiosk/v1/{kiosk_id}/blob/{sha256}/{n}": "blob",
    "kiosk/v1/{kiosk_id}/blob-ack": "blob-ack",
    "kiosk/v1/server/state": "server/state",
    "kiosk/v1/office/{office}/queue": "office/queue",
}


def load() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((DOCS / "asyncapi.yaml").read_text(encoding="utf-8"))


def resolve(doc: dict, ref: str) -> dict:  # type: ignore[type-arg]
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_every_channel_has_the_retain_flag_qos_direction_and_schema_of_the_contract_module() -> (
    None
):
    doc = load()
    assert set(doc["channels"]) == set(CHANNEL_RULES)
    for channel, rule_name in CHANNEL_RULES.items():
        rule = RULES[rule_name]
        body = doc["channels"][channel]
        # AsyncAPI 2: "publish" = the application (the kiosk) publishes.
        operation = "publish" if rule.direction is Direction.KIOSK else "subscribe"
        assert set(body) & {"publish", "subscribe"} == {operation}, channel
        binding = body[operation]["bindings"]["mqtt"]
        assert (binding["qos"], binding["retain"]) == (rule.qos, rule.retained), channel
        message = body[operation]["message"]
        refs = [m["$ref"] for m in message["oneOf"]] if "oneOf" in message else [message["$ref"]]
        for ref in refs:
            payload_ref = resolve(doc, ref)["payload"]["$ref"]
            assert payload_ref == f"schemas/{rule.schema}", channel


def test_every_event_message_names_a_data_schema_that_exists() -> None:
    doc = load()
    channel = doc["channels"]["kiosk/v1/{kiosk_id}/evt/{category}"]
    assert set(channel["parameters"]["category"]["schema"]["enum"]) == EVENT_CATEGORIES
    names = [resolve(doc, m["$ref"])["name"] for m in channel["publish"]["message"]["oneOf"]]
    schemas = sorted(p.stem for p in (DEFAULT_SCHEMA_DIR / "events").glob("*.json"))
    assert sorted(names) == schemas
    for ref in channel["publish"]["message"]["oneOf"]:
        summary = resolve(doc, ref["$ref"])["summary"]
        found = re.search(r"schemas/events/(\S+)\.json", summary)
        assert found is not None and found.group(1) == resolve(doc, ref["$ref"])["name"]


def test_every_schema_loads_and_its_examples_are_valid() -> None:
    contract = Contract.load()
    checked = 0
    for name in contract.schemas.names:
        document = (DEFAULT_SCHEMA_DIR / name).read_text(encoding="utf-8")
        for example in json.loads(document).get("examples", []):
            assert contract.schemas.validate(name, example) == [], name
            checked += 1
    doc = load()
    for message in doc["components"]["messages"].values():
        schema = message["payload"]["$ref"].removeprefix("schemas/")
        for example in message.get("examples", []):
            assert contract.schemas.validate(schema, example["payload"]) == [], schema
            checked += 1
    assert checked == 13
