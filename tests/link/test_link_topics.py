"""The topic contract module and broker URLs (no broker needed)."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import LinkError
from kiosk.link.broker_url import BrokerUrl, parse_broker_url
from kiosk.link.mqtt_link import LinkTuning, backoff_delay, first_retry_delay
from kiosk.link.topics import (
    SERVER_STATE,
    KioskTopic,
    LinkTopicError,
    TopicKind,
    Topics,
    office_queue,
    parse_kiosk_topic,
    parse_office_queue,
)

ID_CHARS = string.ascii_lowercase + string.digits + "-"
valid_ids = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", fullmatch=True).filter(
    lambda s: s not in ("server", "office")
)


def test_topics_of_a_kiosk_follow_contract_v1() -> None:
    topics = Topics("chuo-01")
    assert topics.state == "kiosk/v1/chuo-01/state"
    assert topics.health == "kiosk/v1/chuo-01/health"
    assert topics.evt("ticket") == "kiosk/v1/chuo-01/evt/ticket"
    assert topics.ack == "kiosk/v1/chuo-01/ack"
    assert topics.cmd == "kiosk/v1/chuo-01/cmd"
    assert topics.config_desired == "kiosk/v1/chuo-01/config/desired"
    assert topics.config_reported == "kiosk/v1/chuo-01/config/reported"
    assert SERVER_STATE == "kiosk/v1/server/state"
    assert office_queue("chuo") == "kiosk/v1/office/chuo/queue"


@given(
    prefix=st.text(alphabet=ID_CHARS, max_size=10),
    bad=st.sampled_from(["/", "+", "#", " ", "A", "\x00", "é", "_", "."]),
    suffix=st.text(alphabet=ID_CHARS, max_size=10),
)
def test_ids_with_slash_or_wildcards_are_refused(prefix: str, bad: str, suffix: str) -> None:
    kiosk_id = f"{prefix}{bad}{suffix}"
    with pytest.raises(LinkTopicError):
        Topics(kiosk_id)
    with pytest.raises(LinkTopicError):
        office_queue(kiosk_id)
    with pytest.raises(LinkTopicError):
        Topics("k-1").evt(kiosk_id)


@given(valid_ids)
def test_every_valid_id_round_trips_through_its_topics(kiosk_id: str) -> None:
    topics = Topics(kiosk_id)
    assert parse_kiosk_topic(topics.evt("handover")) == KioskTopic(
        kiosk_id, TopicKind.EVT, "handover"
    )
    assert parse_kiosk_topic(topics.state) == KioskTopic(kiosk_id, TopicKind.STATE)
    assert parse_kiosk_topic(topics.config_desired).kind is TopicKind.CONFIG_DESIRED
    assert parse_office_queue(office_queue(kiosk_id)) == kiosk_id


@pytest.mark.parametrize("kiosk_id", ["", "-a", "a-", "server", "office", "a" * 65])
def test_empty_edged_reserved_or_long_ids_are_refused(kiosk_id: str) -> None:
    with pytest.raises(LinkError):
        Topics(kiosk_id)


@pytest.mark.parametrize(
    "topic",
    [
        "kiosk/v1/server/state",
        "kiosk/v1/k-1/evt",
        "kiosk/v1/k-1/evt/a/b",
        "kiosk/v1/k-1/unknown",
        "kiosk/v2/k-1/state",
        "kiosk/v1/K-1/state",
        "other/v1/k-1/state",
    ],
)
def test_topics_outside_the_contract_do_not_parse(topic: str) -> None:
    with pytest.raises(LinkTopicError):
        parse_kiosk_topic(topic)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://broker.city.jp", BrokerUrl("mqtt", "broker.city.jp", 1883)),
        ("mqtts://broker.city.jp", BrokerUrl("mqtts", "broker.city.jp", 8883)),
        ("mqtt://127.0.0.1:1884/", BrokerUrl("mqtt", "127.0.0.1", 1884)),
        ("MQTTS://[::1]:8884", BrokerUrl("mqtts", "::1", 8884)),
    ],
)
def test_broker_urls_parse_with_default_ports(url: str, expected: BrokerUrl) -> None:
    assert parse_broker_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "empty"),
        ("tcp://h:1883", "scheme"),
        ("mqtt://", "no host"),
        ("mqtt://h:0", "port 0"),
        ("mqtt://h:99999", "cannot be parsed"),
        ("mqtt://h:", "empty port"),
        ("mqtt://user:secret@h", "credentials"),
        ("mqtt://h/topic", "path"),
    ],
)
def test_bad_broker_urls_are_refused_with_a_clear_message(url: str, says: str) -> None:
    with pytest.raises(LinkError, match=says) as caught:
        parse_broker_url(url)
    assert "secret" not in str(caught.value)


@given(attempt=st.integers(min_value=0, max_value=200), seed=st.integers(0, 2**32))
def test_reconnect_delays_grow_with_jitter_and_stay_capped(attempt: int, seed: int) -> None:
    tuning = LinkTuning(backoff_min_s=0.5, backoff_max_s=60.0)
    step = min(60.0, 0.5 * 2**attempt)
    delay = backoff_delay(attempt, tuning, random.Random(seed))
    assert step / 2 <= delay <= step


def test_after_a_broker_restart_a_thousand_kiosks_spread_their_first_retry_evenly() -> None:
    tuning = LinkTuning(first_retry_spread_s=5.0)
    rng = random.Random(11)
    delays = [first_retry_delay(tuning, rng) for _ in range(1000)]
    assert all(0.0 <= d <= 5.0 for d in delays)
    per_second = [sum(1 for d in delays if k <= d < k + 1) for k in range(5)]
    # No synchronized wave: every second of the window gets a fifth of the fleet, give or take.
    assert all(150 <= n <= 250 for n in per_second), per_second


def test_reconnect_delays_of_many_kiosks_spread_out() -> None:
    tuning = LinkTuning(backoff_min_s=0.5, backoff_max_s=60.0)
    rng = random.Random(7)
    delays = {round(backoff_delay(6, tuning, rng), 3) for _ in range(100)}
    assert len(delays) > 90
