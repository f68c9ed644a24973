"""The link's knobs: the MQTT version it speaks and its windows and timings (DESIGN §5)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class MqttVersion(enum.StrEnum):
    """The MQTT protocol version the link speaks."""

    V5 = "5"
    V311 = "3.1.1"


@dataclass(frozen=True)
class LinkTuning:
    """Timings and windows of the link; every value has its unit in its name.

    Attributes:
        inflight_window: PUBLISHes of events sent and not yet PUBACKed, at most.
        ahead_window: events sent beyond the server's ``acked_seq``, at most. Keep it well
            under the broker's per-client queue (Mosquitto: ``max_queued_messages`` 1000).
        backoff_min_s: first reconnect delay (before jitter).
        backoff_max_s: longest reconnect delay (before jitter).
        first_retry_spread_s: the first retry after losing an established connection waits
            a random time up to this (a broker restart must not bring back a synchronized wave).
        connect_timeout_s: TCP (and TLS) connect timeout.
        connack_timeout_s: how long to wait for the CONNACK after connecting.
        ack_timeout_s: without a new ``acked_seq`` for this long (and nothing in flight),
            resend from ``acked_seq``: the broker may have dropped what it acknowledged.
        health_interval_s: re-publish the health snapshot at least this often while online.
        stop_timeout_s: how long ``stop()`` waits for the PUBACK of the shutdown state (0:
            it does not wait).
    """

    inflight_window: int = 100
    ahead_window: int = 500
    backoff_min_s: float = 0.5
    backoff_max_s: float = 60.0
    first_retry_spread_s: float = 5.0
    connect_timeout_s: float = 5.0
    connack_timeout_s: float = 10.0
    ack_timeout_s: float = 15.0
    health_interval_s: float = 60.0
    stop_timeout_s: float = 2.0


__all__ = ["LinkTuning", "MqttVersion"]
