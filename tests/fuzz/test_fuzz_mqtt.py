"""Fuzz: every MQTT topic the kiosk subscribes to (``kiosk/link/topics.py``).

``cmd`` and ``config/desired`` go to ``CommandProcessor.handle_payload`` and
``DesiredConfigService.handle_payload``, the public handlers the link hands those payloads
to: each payload ends in an outcome, a refusal in one ``cmd.refused`` / ``config.rejected``
event with its reason, and a refused payload changes nothing (the command counter, the
config version in force). ``ack``, ``server/state``, the office queue and ``blob-ack`` are
handled inside the link itself; the property drives its dispatcher (``_on_message``) with
whatever the broker may deliver and checks that the outbox, the server state and the
waiting figures only ever take sane values.

Inputs: arbitrary bytes, JSON of any shape (NaN/Infinity, huge integers, deep nesting,
repeated keys) and valid messages with one member changed (signed again with the right
key, so the change reaches the claim checks).
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as note_case
from hypothesis import strategies as st

from kiosk.config import MqttConfig
from kiosk.core.clock import SystemClock
from kiosk.core.commands import CommandError, CommandProcessor, RefusalReason
from kiosk.core.desired_config import DesiredConfigService, DesiredOutcome
from kiosk.core.jws import sign
from kiosk.core.numbering import format_number
from kiosk.core.tickets import TicketService
from kiosk.core.trust import KeyPurpose, TrustList
from kiosk.core.waiting import WaitFigure, WaitingBoard
from kiosk.devices.printer.escpos_printer import EscPosPrinter
from kiosk.devices.transport import FileTransport
from kiosk.i18n.catalog import load_catalogs
from kiosk.link.blob_sender import BlobSender
from kiosk.link.connection import Message
from kiosk.link.mqtt_link import MqttLink
from kiosk.link.topics import SERVER_STATE, office_queue
from kiosk.store.commands import CommandRepository, CommandState
from kiosk.store.outbox import OutboxEvent
from kiosk.store.tickets import TicketRepository
from tests.fuzz.fuzz_support import (
    dumps_lenient,
    json_values,
    mutated,
    object_payloads,
    payloads,
)
from tests.kiosk_config import config_data, make_config
from tests.link.link_support import KIOSK_ID, OFFICE, KioskStore
from tests.trust_keys import public_entry, signing_key

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

DELETE = object()
"""A mutation that removes the member."""


def events_after(store: KioskStore, seq: int) -> list[OutboxEvent]:
    return store.outbox.pending(after_seq=seq, limit=1000)


def change(*members: str) -> st.SearchStrategy[tuple[str, Any]]:
    """``(member, new value or DELETE)`` to apply to a fresh valid document: mostly one of
    ``members``, sometimes a member it does not have."""
    name = st.one_of(st.sampled_from(members), st.text(max_size=8))
    return st.tuples(name, st.one_of(st.just(DELETE), json_values()))


def apply(document: dict[str, Any], member: str, value: Any) -> dict[str, Any]:
    changed = dict(document)
    if value is DELETE:
        changed.pop(member, None)
    else:
        changed[member] = value
    return changed


# -- cmd --------------------------------------------------------------------------------------


COMMAND_KID, COMMAND_KEY = signing_key(KeyPurpose.COMMANDS)
_command_ids = itertools.count(1)


@dataclass
class CommandRig:
    store: KioskStore
    processor: CommandProcessor
    ran: list[dict[str, Any]]

    def claims(self) -> dict[str, Any]:
        """A fresh valid command: new id, counter above the last, valid for a minute."""
        now = time.time()
        return {
            "cmd_id": f"fuzz-{next(_command_ids)}",
            "aud": KIOSK_ID,
            "action": "state.republish",
            "args": {},
            "iat": int(now),
            "exp": int(now) + 60,
            "ctr": max(last_ctr(self.store) + 1, time.time_ns() // 10**6),
        }


def last_ctr(store: KioskStore) -> int:
    """The counter of the last accepted command."""
    with store.db.reading() as conn:
        return CommandRepository.last_ctr(conn)


@pytest.fixture(scope="module")
def command_rig() -> Iterator[CommandRig]:
    with tempfile.TemporaryDirectory() as tmp:
        store = KioskStore.create(Path(tmp))
        processor = CommandProcessor(
            kiosk_id=KIOSK_ID,
            keys=TrustList(public_entry(KeyPurpose.COMMANDS), purpose=KeyPurpose.COMMANDS),
            db=store.db,
            outbox=store.outbox,
            clock=SystemClock(),
            rate_per_min={"default": 10**9},
        )
        ran: list[dict[str, Any]] = []

        def republish(args: Any) -> dict[str, Any]:
            ran.append(dict(args))
            return {"queued": True}

        def refuse(args: Any) -> dict[str, Any]:
            raise CommandError("bad_args", f"refused {len(args)} args")

        processor.register("state.republish", republish)
        processor.register("printer.test", refuse)
        yield CommandRig(store, processor, ran)
        store.db.close()


def assert_command_outcome(rig: CommandRig, payload: bytes) -> None:
    before = rig.store.outbox.last_seq()
    ctr_before = last_ctr(rig.store)

    outcome = rig.processor.handle_payload(payload)
    note_case(f"cmd {outcome.state.value} {outcome.reason}")

    assert outcome.state in (CommandState.DONE, CommandState.FAILED, CommandState.REFUSED)
    written = events_after(rig.store, before)
    assert len(written) == 1, [e.type for e in written]
    event = written[0].payload["data"]
    if outcome.state is CommandState.REFUSED:
        assert written[0].type == "cmd.refused"
        assert outcome.reason in {r.value for r in RefusalReason}
        assert event["reason"] == outcome.reason
        assert event["detail"]
        assert last_ctr(rig.store) == ctr_before
    else:
        assert written[0].type == "cmd.result"
        assert event["ok"] is (outcome.state is CommandState.DONE)
        assert outcome.action in ("state.republish", "printer.test")


@FUZZ
@given(payloads())
@example(b"")
@example(b"\xff" * 10)
@example(b"eyJ." * 2000)
def test_any_payload_on_cmd_is_refused_with_a_reason_and_an_event(
    command_rig: CommandRig, payload: bytes
) -> None:
    assert_command_outcome(command_rig, payload)


@FUZZ
@given(change("cmd_id", "aud", "action", "args", "iat", "exp", "ctr"))
@example(("iat", 10**400))
@example(("exp", 10**400))
@example(("iat", float("nan")))
@example(("ctr", 2**64))
@example(("ctr", "1"))
@example(("args", [1]))
@example(("action", "printer.test"))
@example(("cmd_id", "x" * 129))
def test_a_signed_command_with_one_claim_changed_ends_in_one_outcome_and_one_event(
    command_rig: CommandRig, mutation: tuple[str, Any]
) -> None:
    claims = apply(command_rig.claims(), *mutation)

    assert_command_outcome(command_rig, sign(claims, COMMAND_KEY, COMMAND_KID).encode())


# -- config/desired ---------------------------------------------------------------------------


CONFIG_KID, CONFIG_KEY = signing_key(KeyPurpose.CONFIG)
_versions = itertools.count(1)
REMOTE = ("services", "ui", "tickets", "checkin", "trust")


@dataclass
class DesiredRig:
    store: KioskStore
    service: DesiredConfigService
    reports: list[dict[str, Any]]
    file_document: dict[str, Any]

    def claims(self) -> dict[str, Any]:
        """A valid desired config: the file's remote sections, the next version, an hour."""
        now = int(time.time())
        sections = {k: self.file_document[k] for k in ("services", "ui", "tickets")}
        return {
            "aud": "test-kiosk-1",
            "version": self.service.active_version + next(_versions),
            "iat": now,
            "exp": now + 3600,
            "config": sections,
        }


@pytest.fixture(scope="module")
def desired_rig() -> Iterator[DesiredRig]:
    with tempfile.TemporaryDirectory() as tmp:
        store = KioskStore.create(Path(tmp))
        document = config_data(Path(tmp))
        document["trust"] = {"config": public_entry(KeyPurpose.CONFIG)}
        service = DesiredConfigService(
            file_document=document, db=store.db, outbox=store.outbox, clock=SystemClock()
        )
        reports: list[dict[str, Any]] = []
        service.set_reporter(reports.append)
        yield DesiredRig(store, service, reports, document)
        store.db.close()


def assert_desired_outcome(rig: DesiredRig, payload: bytes) -> DesiredOutcome:
    before = rig.store.outbox.last_seq()
    version, config = rig.service.active_version, rig.service.config
    reports = len(rig.reports)

    outcome = rig.service.handle_payload(payload)
    note_case(f"config/desired {outcome.state} {(outcome.error or '')[:30]}")

    assert outcome.state in ("applied", "rejected", "repeated", "ignored")
    written = events_after(rig.store, before)
    if outcome.state == "applied":
        assert [e.type for e in written] == ["config.applied"]
        assert outcome.version is not None and outcome.version > version
        assert rig.service.active_version == outcome.version
        return outcome
    assert rig.service.active_version == version
    assert rig.service.config is config
    if outcome.state == "rejected":
        assert [e.type for e in written] == ["config.rejected"]
        assert outcome.error
        assert written[0].payload["data"]["error"]
        assert rig.reports[reports:] and rig.reports[-1]["state"] == "rejected"
        assert rig.reports[-1]["active_version"] == version
    else:
        assert written == []
    return outcome


@FUZZ
@given(payloads())
@example(b"eyJ" + b"A" * 200_000)
@example(b"eyJ.eyJ.eyJ")
def test_any_payload_on_config_desired_is_refused_and_changes_nothing(
    desired_rig: DesiredRig, payload: bytes
) -> None:
    outcome = assert_desired_outcome(desired_rig, payload)

    assert outcome.state in ("rejected", "ignored")


@st.composite
def config_changes(draw: st.DrawFn) -> tuple[str, Any]:
    """A change to one remote section of the ``config`` claim (or the claim itself)."""
    section = draw(st.sampled_from([*REMOTE, "kiosk", "mqtt"]))
    template = {
        "services": config_data(Path("/nonexistent"))["services"],
        "ui": {"languages": ["ja", "en"], "fullscreen": False},
        "tickets": {"reset_time": "03:00", "number_format": "{prefix}-{number:03d}"},
        "checkin": {"window_before_min": 30, "window_after_min": 15},
        "trust": {"booking": public_entry(KeyPurpose.BOOKING)},
    }.get(section, {})
    if isinstance(template, dict) and template and draw(st.booleans()):
        return section, draw(mutated(template))
    if isinstance(template, list) and draw(st.booleans()):
        services = [dict(s) for s in template]
        index = draw(st.integers(0, len(services) - 1))
        services[index] = draw(mutated(services[index]))
        return section, services
    return section, draw(json_values())


@FUZZ
@given(change("aud", "version", "iat", "exp", "config"), st.none() | config_changes())
@example(("iat", 10**400), None)
@example(("exp", 10**400), None)
@example(("version", 2**64), None)
@example(("version", 2.0), None)
@example(("iat", float("inf")), None)
@example(("aud", ["test-kiosk-1"]), None)
@example(("config", []), None)
@example(("x", 0), ("ui", {"languages": "ja"}))
@example(("x", 0), ("services", [{"id": 1}]))
@example(("x", 0), ("tickets", {"number_format": "{number:>400000000}"}))
@example(("x", 0), ("tickets", {"status_url": "http://evil.example/{office}"}))
@example(("x", 0), ("trust", {"config": public_entry(KeyPurpose.CONFIG, 2)}))
@example(("x", 0), ("checkin", {"window_before_min": 10**400}))
@example(("x", 0), ("checkin", {"window_before_min": float("nan")}))
def test_a_signed_desired_config_with_one_part_changed_is_applied_or_refused_with_a_reason(
    desired_rig: DesiredRig, claim_change: tuple[str, Any], section_change: tuple[str, Any] | None
) -> None:
    claims = desired_rig.claims()
    if section_change is not None:
        section, value = section_change
        claims["config"] = {**claims["config"], section: value}
    claims = apply(claims, *claim_change)
    payload = sign(claims, CONFIG_KEY, CONFIG_KID).encode()

    outcome = assert_desired_outcome(desired_rig, payload)

    if outcome.state == "applied":
        config = desired_rig.service.config
        assert config.kiosk_id == "test-kiosk-1"
        # An applied configuration is one the kiosk can use: its templates fill in.
        url = config.tickets.status_url.format(
            office="chuo", ticket_id="t-1", number="A-001", service="certificates"
        )
        assert url.startswith("https://queue.example.jp/")
        for service in config.services:
            assert format_number(config.tickets.number_format, service.prefix, 999)


# -- ack, server/state, the office queue, blob-ack: inside the link ---------------------------


@dataclass
class LinkRig:
    store: KioskStore
    link: MqttLink
    waiting: WaitingBoard

    def deliver(self, topic: str, payload: bytes, retain: bool = True) -> None:
        # NOTE: the dispatcher is private; the link calls it on its worker thread for each
        # message the broker delivers (``Message`` is what its paho callback enqueues).
        # A link that was never started has no client, so nothing is published or flushed.
        self.link._on_message(Message(0, topic, payload, retain))


@pytest.fixture(scope="module")
def link_rig() -> Iterator[LinkRig]:
    with tempfile.TemporaryDirectory() as tmp:
        store = KioskStore.create(Path(tmp))
        store.append_tickets(40)
        config = make_config(Path(tmp))
        waiting = WaitingBoard(config, TicketRepository(store.db), SystemClock())
        link = MqttLink(
            MqttConfig(broker="mqtt://127.0.0.1:1", keepalive_s=30, username="", password=""),
            kiosk_id=KIOSK_ID,
            office=OFFICE,
            session=store.session,
            outbox=store.outbox,
            health=store.health,
            waiting=waiting,
            boot_id="boot-fuzz",
            blobs=BlobSender(store.db, store.outbox, Path(tmp) / "photos"),
        )
        yield LinkRig(store, link, waiting)
        store.db.close()


OURS = "@ours"
"""Stands for this database's incarnation in an ack (it is only known once the rig runs)."""
VALID_ACK = {"acked_seq": 3, "incarnation": OURS}


@FUZZ
@given(
    st.one_of(
        payloads(),
        object_payloads(VALID_ACK),
        st.integers(-5, 60).map(lambda n: dumps_lenient({**VALID_ACK, "acked_seq": n}).encode()),
    )
)
@example(b'{"acked_seq": "3", "incarnation": "@ours"}')
@example(b'{"acked_seq": 3.0, "incarnation": "@ours"}')
@example(b'{"acked_seq": true, "incarnation": "@ours"}')
@example(b'{"acked_seq": 18446744073709551616, "incarnation": "@ours"}')
@example(b'{"acked_seq": 4, "acked_seq": 40, "incarnation": "@ours"}')
@example(b'{"acked_seq": 5, "incarnation": "another-database"}')
@example(b'{"acked_seq": 5, "incarnation": ["@ours"]}')
def test_any_ack_only_ever_moves_the_acked_seq_forward_within_what_was_made(
    link_rig: LinkRig, payload: bytes
) -> None:
    outbox = link_rig.store.outbox
    payload = payload.replace(OURS.encode(), outbox.incarnation.encode())
    acked_before, depth_before = outbox.acked_seq(), outbox.depth()

    link_rig.deliver(link_rig.link.topics.ack, payload)

    acked = outbox.acked_seq()
    assert acked_before <= acked <= outbox.last_seq()
    if acked == acked_before:
        assert outbox.depth() == depth_before
    else:
        body = json.loads(payload)
        assert type(body["acked_seq"]) is int
        assert body["acked_seq"] == acked
        assert body["incarnation"] == outbox.incarnation


@FUZZ
@given(st.one_of(payloads(), object_payloads({"online": True, "ts": "2026-11-27T01:00:00Z"})))
@example(b'{"online": true, "online": false}')
@example(b'{"online": 1}')
def test_any_server_state_leaves_the_server_online_true_false_or_unknown(
    link_rig: LinkRig, payload: bytes
) -> None:
    link_rig.deliver(SERVER_STATE, payload)

    assert link_rig.link.server_online in (True, False, None)
    if link_rig.link.server_online is True:
        assert b"true" in payload


MAX_FIGURE = 2**31 - 1
"""What a Qt ``int`` property and every later sum can hold."""


@FUZZ
@given(
    st.one_of(
        payloads(),
        object_payloads(
            {
                "v": 1,
                "ts": "2026-11-27T01:00:00Z",
                "services": {"certificates": {"waiting": 3, "wait_minutes": 12}},
            }
        ),
        st.dictionaries(st.text(max_size=12), json_values(), max_size=3).map(
            lambda services: dumps_lenient({"v": 1, "services": services}).encode()
        ),
    )
)
@example(b'{"v":1,"services":{"certificates":{"waiting":9223372036854775808,"wait_minutes":1}}}')
@example(b'{"v":1,"services":{"certificates":{"waiting":1e300,"wait_minutes":1}}}')
@example(b'{"v":1,"ts":"0001-01-01T00:00:00+14:00","services":{}}')
def test_any_office_queue_message_leaves_only_sane_waiting_figures(
    link_rig: LinkRig, payload: bytes
) -> None:
    link_rig.deliver(office_queue(OFFICE), payload)

    for service in ("certificates", "insurance", "childcare"):
        figure = link_rig.waiting.figure(service)
        assert isinstance(figure, WaitFigure)
        for value in (figure.people_waiting, figure.wait_minutes):
            assert type(value) is int
            assert 0 <= value <= MAX_FIGURE


@FUZZ
@given(
    st.one_of(
        payloads(),
        object_payloads({"blob": "0" * 64, "ok": True}),
        object_payloads({"blob": "a" * 64, "missing": [0, 1, 2]}),
    )
)
def test_any_blob_ack_is_taken_or_ignored_without_an_exception(
    link_rig: LinkRig, payload: bytes
) -> None:
    assert link_rig.link._blobs is not None
    assert link_rig.link._blobs.on_blob_ack(payload) in (True, False)
    link_rig.deliver(link_rig.link.topics.blob_ack, payload)


def test_a_queue_figure_beyond_any_real_count_does_not_stop_the_next_ticket(
    link_rig: LinkRig, tmp_path: Path
) -> None:
    config = make_config(tmp_path)
    tickets = TicketService(
        config,
        link_rig.store.db,
        link_rig.store.outbox,
        EscPosPrinter(FileTransport(str(tmp_path / "printer.bin"))),
        link_rig.store.health,
        link_rig.waiting,
        load_catalogs(config.ui.languages),
        SystemClock(),
    )
    link_rig.deliver(
        office_queue(OFFICE),
        b'{"v":1,"services":{"insurance":{"waiting":9223372036854775808,"wait_minutes":5}}}',
    )

    outcome = tickets.issue("insurance", "ja")

    assert outcome.ticket.people_ahead == 0
    assert outcome.ticket.wait_estimated is True
