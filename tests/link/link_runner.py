"""A kiosk process that only runs an MqttLink on a temporary database (for the kill test).

``python -m tests.link.link_runner HOST PORT DB_FOLDER`` connects with keep-alive 5 s and
runs until it is killed.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

from kiosk.config import MqttConfig
from kiosk.link.mqtt_link import LinkTuning, MqttLink
from tests.link.link_support import KIOSK_ID, OFFICE, KioskStore


def main(argv: list[str]) -> int:
    host, port, folder = argv[0], int(argv[1]), Path(argv[2])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    store = KioskStore.create(folder)
    link = MqttLink(
        MqttConfig(broker=f"mqtt://{host}:{port}", keepalive_s=5, username="", password=""),
        kiosk_id=KIOSK_ID,
        office=OFFICE,
        session=store.session,
        outbox=store.outbox,
        health=store.health,
        tuning=LinkTuning(backoff_min_s=0.1, backoff_max_s=0.5),
    )
    link.start()
    threading.Event().wait()  # until SIGKILL
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
