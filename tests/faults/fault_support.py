"""Helpers of the fault tests: a kiosk link to any broker URL (the proxy's, a broker's)."""

from __future__ import annotations

from typing import Any

from kiosk.config import MqttConfig
from kiosk.link.mqtt_link import LinkTuning, MqttLink, MqttVersion
from tests.link.link_support import FAST, OFFICE, KioskStore


def kiosk_link(
    url: str,
    store: KioskStore,
    *,
    kiosk_id: str | None = None,
    keepalive_s: int = 30,
    protocol: MqttVersion = MqttVersion.V5,
    tuning: LinkTuning = FAST,
    **kwargs: Any,
) -> MqttLink:
    """An MqttLink to ``url`` wired as the app wires it (outbox commits wake the flusher)."""
    link = MqttLink(
        MqttConfig(broker=url, keepalive_s=keepalive_s, username="", password=""),
        kiosk_id=kiosk_id or store.outbox.kiosk_id,
        office=OFFICE,
        session=store.session,
        outbox=store.outbox,
        health=store.health,
        protocol=protocol,
        boot_id="boot-test",
        version="9.9.9",
        tuning=tuning,
        **kwargs,
    )
    store.db.add_commit_listener(link.notify_outbox)
    return link
