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
            payload = resolve(doc, ref)["payload"]
            # An event's payload is the envelope narrowed to its own type and data schema.
            payload_ref = payload["allOf"][0]["$ref"] if "allOf" in payload else payload["$ref"]
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


def test_every_event_type_has_its_own_message_whose_payload_pins_its_type_and_data() -> None:
    doc = load()
    messages = doc["channels"]["kiosk/v1/{kiosk_id}/evt/{category}"]["publish"]["message"]
    for ref in messages["oneOf"]:
        message = resolve(doc, ref["$ref"])
        name = message["name"]
        assert message["messageId"] == ref["$ref"].rpartition("/")[2], name
        narrowed = message["payload"]["allOf"][1]["properties"]
        assert narrowed == {
            "type": {"const": name},
            "data": {"$ref": f"schemas/events/{name}.json"},
        }, name
        assert len(message["examples"]) >= 1, name


def test_every_message_has_a_unique_message_id() -> None:
    messages = load()["components"]["messages"]
    ids = [message.get("messageId") for message in messages.values()]
    assert ids == list(messages)


def test_hand_over_events_have_one_message_each_and_no_catch_all() -> None:
    names = {message["name"] for message in load()["components"]["messages"].values()}
    assert "handover.any" not in names
    assert {
        "handover.token_verified",
        "handover.pin_verified",
        "handover.unlock_sent",
        "handover.door_opened",
        "handover.collected",
        "handover.staff_alert",
        "handover.recovered",
    } <= names


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
        payload = message["payload"]
        schema = (payload["allOf"][0] if "allOf" in payload else payload)["$ref"]
        for example in message.get("examples", []):
            value = example["payload"]
            assert contract.schemas.validate(schema.removeprefix("schemas/"), value) == []
            if "allOf" in payload:  # an event: its own type and data schema too
                assert value["type"] == message["name"]
                data_schema = f"events/{message['name']}.json"
                assert contract.schemas.validate(data_schema, value["data"]) == [], data_schema
            checked += 1
    assert checked == 79
