"""Turns device health changes into ``device.health`` events in the outbox."""

from __future__ import annotations

import logging

from kiosk.core import events
from kiosk.devices.health import Health, HealthBoard
from kiosk.errors import StoreError
from kiosk.store.database import Database
from kiosk.store.outbox import Outbox, Priority

log = logging.getLogger(__name__)


class HealthEventRecorder:
    """Appends a telemetry event for every health change the board reports."""

    def __init__(self, board: HealthBoard, db: Database, outbox: Outbox):
        self._db = db
        self._outbox = outbox
        board.subscribe(self._on_change)

    def _on_change(self, device: str, health: Health) -> None:
        log.info("device %s is %s (%s) %s", device, health.state, health.reason, health.detail)
        try:
            with self._db.transaction() as tx:
                self._outbox.append(
                    tx,
                    events.DEVICE,
                    events.DEVICE_HEALTH,
                    {"device": device, **health.as_dict()},
                    priority=Priority.TELEMETRY,
                )
        except StoreError:
            # NOTE: the health board (and so the screen and the retained health snapshot)
            # still has the change; only its event could not be stored.
            log.exception("could not store the health event of %s", device)
