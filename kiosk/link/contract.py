"""MQTT contract v1 as data: which topic carries what, retained or not, at which QoS.

``docs/asyncapi.yaml`` is the document for people; this module is the same contract for
programs, and ``tests/contract/test_asyncapi.py`` checks that the two agree. The JSON
Schemas in ``docs/schemas`` are shared by both.

``Contract.check(topic, payload, retain=…, qos=…)`` returns the violations of one message:
an unknown topic, a wrong retain flag or QoS, a payload that is not valid for its topic,
an event whose ``kiosk`` differs from its topic, a category that does not fit its type,
a blob chunk whose header does not fit its topic, its bytes or its CRC-32.
Rules across messages (``seq`` order, ``session`` order) live in the test monitor.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.core.strict_json import StrictJsonError
from kiosk.core.strict_json import loads as strict_loads
from kiosk.link.blob_frame import BlobFrameError, crc32_hex, decode_header, header_problems
from kiosk.link.json_schema import SchemaError, SchemaSet, load_schemas
from kiosk.link.topics import (
    EVENT_CATEGORIES,
    PREFIX,
    SERVER_STATE,
    LinkTopicError,
    TopicKind,
    parse_kiosk_topic,
    parse_office_queue,
)

log = logging.getLogger(__name__)

DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas"
"""``docs/schemas`` of a source checkout (the schemas are not installed with the package)."""

OFFICE_QUEUE = "office/queue"
"""The rule name of ``kiosk/v1/office/{office}/queue``."""

SERVER_STATE_RULE = "server/state"

# Event type prefix -> the category (topic level) its events travel on.
_TYPE_CATEGORY = {
    "ticket": "ticket",
    "checkin": "checkin",
    "handover": "handover",
    "photo": "photo",
    "device": "device",
    "cmd": "cmd",
    "audit": "audit",
    "config": "audit",  # config.applied / config.rejected travel as audit events
    "store": "device",  # store.replaced / store.relearned: the state database as a device
    "printer": "device",  # printer.paper_low / printer.roll_changed: the paper forecast
    "kiosk": "device",  # kiosk.mode_changed: the degraded modes, decided from device health
    "diag": "device",  # diag.bundle_transferred / diag.bundle_failed: a support bundle's transfer
    "assist": "assist",  # assist.staff_called / _call_acknowledged: the call-staff button
}
_TOMBSTONE_TYPE = "outbox.dropped"  # keeps the category of the event it replaces


class Direction(enum.StrEnum):
    """Who publishes on a topic."""

    KIOSK = "kiosk"
    SERVER = "server"


class PayloadKind(enum.StrEnum):
    """How the payload is read before its schema is applied."""

    JSON = "json"
    TEXT = "text"  # UTF-8 text checked as a JSON string (the compact JWS of a command)
    BLOB = "blob"  # a JSON header line, then bytes: the schema checks the header


@dataclass(frozen=True)
class TopicRule:
    """What the contract says about one kind of topic.

    Attributes:
        name: ``state``, ``health``, ``evt``, ``ack``, ``cmd``, ``config/desired``,
            ``config/reported``, ``blob``, ``blob-ack``, ``server/state`` or ``office/queue``.
        schema: schema file in the schema folder.
        retained: the publisher sets the retain flag.
        qos: the publisher's QoS (never 2).
        direction: who publishes.
        payload: JSON document or text.
    """

    name: str
    schema: str
    retained: bool
    qos: int
    direction: Direction
    payload: PayloadKind = PayloadKind.JSON


RULES: dict[str, TopicRule] = {
    rule.name: rule
    for rule in (
        TopicRule(TopicKind.STATE.value, "state.json", True, 1, Direction.KIOSK),
        TopicRule(TopicKind.HEALTH.value, "health.json", True, 1, Direction.KIOSK),
        TopicRule(TopicKind.EVT.value, "envelope.json", False, 1, Direction.KIOSK),
        TopicRule(TopicKind.ACK.value, "ack.json", True, 1, Direction.SERVER),
        TopicRule(
            TopicKind.CMD.value, "command.json", False, 1, Direction.SERVER, PayloadKind.TEXT
        ),
        TopicRule(
            TopicKind.CONFIG_DESIRED.value,
            "config-desired.json",
            True,
            1,
            Direction.SERVER,
            PayloadKind.TEXT,
        ),
        TopicRule(
            TopicKind.CONFIG_REPORTED.value, "config-reported.json", True, 1, Direction.KIOSK
        ),
        TopicRule(
            TopicKind.BLOB.value, "blob-chunk.json", False, 1, Direction.KIOSK, PayloadKind.BLOB
        ),
        TopicRule(TopicKind.BLOB_ACK.value, "blob-ack.json", True, 1, Direction.SERVER),
        TopicRule(SERVER_STATE_RULE, "server-state.json", True, 1, Direction.SERVER),
        TopicRule(OFFICE_QUEUE, "office-queue.json", True, 1, Direction.SERVER),
    )
}
"""Every topic of contract v1, by rule name."""


@dataclass(frozen=True)
class Violation:
    """One way a message breaks the contract.

    Attributes:
        topic: the message's topic.
        rule: a stable code: ``unknown_topic``, ``retain``, ``qos``, ``not_json``,
            ``schema``, ``data_schema``, ``unknown_event_type``, ``category``, ``kiosk``,
            ``blob_frame``, ``blob_chunk``, ``blob_crc``, or (from the monitor) ``seq_gap``,
            ``resend_differs``, ``session_backwards``.
        detail: what was seen, for people.
    """

    topic: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.topic}: {self.rule}: {self.detail}"


@dataclass(frozen=True)
class ClassifiedTopic:
    """A topic of the contract: its rule and, for per-kiosk topics, the kiosk and category."""

    rule: TopicRule
    kiosk: str | None = None
    category: str | None = None
    office: str | None = None
    blob: str | None = None
    index: int | None = None


class Contract:
    """The contract's topic rules with their loaded schemas.

    Args:
        schemas: the loaded schema folder.

    Raises:
        SchemaError: a rule names a schema file that is missing.
    """

    def __init__(self, schemas: SchemaSet):
        self.schemas = schemas
        missing = sorted(r.schema for r in RULES.values() if not schemas.has(r.schema))
        if missing:
            raise SchemaError(f"schemas {missing} are missing from {schemas.folder}")

    @classmethod
    def load(cls, schema_dir: Path = DEFAULT_SCHEMA_DIR) -> Contract:
        """Load the schemas from ``schema_dir`` (default: ``docs/schemas`` of the checkout),
        compiled once per process and folder.

        Raises:
            SchemaError: the folder or a schema cannot be read or uses unsupported keywords.
        """
        return cls(load_schemas(schema_dir.resolve()))

    @staticmethod
    def classify(topic: str) -> ClassifiedTopic | None:
        """The rule for ``topic``, or None when the contract has no such topic."""
        if topic == SERVER_STATE:
            return ClassifiedTopic(RULES[SERVER_STATE_RULE])
        if topic.startswith(f"{PREFIX}/office/"):
            try:
                office = parse_office_queue(topic)
            except LinkTopicError:
                return None
            return ClassifiedTopic(RULES[OFFICE_QUEUE], office=office)
        try:
            parsed = parse_kiosk_topic(topic)
        except LinkTopicError:
            return None
        if parsed.kind is TopicKind.EVT and parsed.category not in EVENT_CATEGORIES:
            return None
        return ClassifiedTopic(
            RULES[parsed.kind.value],
            parsed.kiosk_id,
            parsed.category,
            blob=parsed.blob,
            index=parsed.index,
        )

    def check(
        self, topic: str, payload: bytes, *, retain: bool | None, qos: int | None
    ) -> list[Violation]:
        """Every violation of one message (an empty list: the message is fine).

        Args:
            topic: the topic it arrived on.
            payload: its exact bytes.
            retain: the publisher's retain flag; None when it cannot be known (a live
                message to an MQTT 3.1.1 subscriber, which cannot ask for "retain as
                published").
            qos: the publisher's QoS as delivered (subscribe with QoS 2 to see it
                unchanged); None to skip the check.
        """
        found = self.classify(topic)
        if found is None:
            return [Violation(topic, "unknown_topic", "not a topic of MQTT contract v1")]
        rule = found.rule
        problems: list[Violation] = []
        if retain is not None and retain != rule.retained:
            problems.append(
                Violation(topic, "retain", f"retain={retain}; the contract says {rule.retained}")
            )
        if qos is not None and qos != rule.qos:
            problems.append(Violation(topic, "qos", f"QoS {qos}; the contract says {rule.qos}"))
        if not payload and rule.retained and retain is not False:
            return problems  # clearing a retained message (an operator's or a test's act)
        if rule.payload is PayloadKind.BLOB:
            return problems + self._check_chunk(topic, found, payload)
        value = self._decode(topic, payload, rule, problems)
        if value is None:
            return problems
        for error in self.schemas.validate(rule.schema, value)[:5]:
            problems.append(Violation(topic, "schema", f"{rule.schema}: {error}"))
        if rule.name == TopicKind.EVT.value and isinstance(value, dict):
            problems += self._check_event(topic, found, value)
        return problems

    def _decode(
        self, topic: str, payload: bytes, rule: TopicRule, problems: list[Violation]
    ) -> Any:
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Violation(topic, "not_json", f"payload is not UTF-8: {exc}"))
            return None
        if rule.payload is PayloadKind.TEXT:
            return text
        try:
            return strict_loads(text)
        except StrictJsonError as exc:
            problems.append(Violation(topic, "not_json", f"{exc}: {payload[:80]!r}"))
            return None

    def _check_chunk(self, topic: str, found: ClassifiedTopic, payload: bytes) -> list[Violation]:
        try:
            header, data = decode_header(payload)
        except BlobFrameError as exc:
            return [Violation(topic, "blob_frame", str(exc))]
        rule = found.rule
        problems = [
            Violation(topic, "schema", f"{rule.schema}: {error}")
            for error in self.schemas.validate(rule.schema, header)[:5]
        ]
        if problems:
            return problems
        problems += [Violation(topic, "blob_chunk", p) for p in header_problems(header, len(data))]
        if header["n"] != found.index:
            problems.append(
                Violation(topic, "blob_chunk", f"header n={header['n']} on index {found.index}")
            )
        if crc32_hex(data) != header["crc32"]:
            problems.append(
                Violation(
                    topic, "blob_crc", f"crc32 {crc32_hex(data)}, header says {header['crc32']}"
                )
            )
        return problems

    def _check_event(
        self, topic: str, found: ClassifiedTopic, envelope: dict[str, Any]
    ) -> list[Violation]:
        problems: list[Violation] = []
        if "kiosk" in envelope and envelope["kiosk"] != found.kiosk:
            problems.append(
                Violation(topic, "kiosk", f"envelope kiosk {envelope['kiosk']!r} on this topic")
            )
        event_type = envelope.get("type")
        if not isinstance(event_type, str):
            return problems
        # NOTE: every event type has its own schema; there is no family fallback (until
        # issue 14 ``handover.any`` let any ``handover.*`` type through unchecked).
        data_schema = f"events/{event_type}.json"
        if not self.schemas.has(data_schema):
            problems.append(Violation(topic, "unknown_event_type", f"{event_type!r} has no schema"))
            return problems
        expected = _TYPE_CATEGORY.get(event_type.partition(".")[0])
        if event_type != _TOMBSTONE_TYPE and expected != found.category:
            problems.append(
                Violation(
                    topic,
                    "category",
                    f"{event_type} belongs on evt/{expected}, not evt/{found.category}",
                )
            )
        data = envelope.get("data")
        if isinstance(data, dict):
            for error in self.schemas.validate(data_schema, data)[:5]:
                problems.append(Violation(topic, "data_schema", f"{data_schema}: {error}"))
        return problems


__all__ = [
    "DEFAULT_SCHEMA_DIR",
    "RULES",
    "ClassifiedTopic",
    "Contract",
    "Direction",
    "PayloadKind",
    "TopicRule",
    "Violation",
]
