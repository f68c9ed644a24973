"""A kiosk process with a link and the command processor (for the kill -9 test).

``python -m tests.link.command_runner HOST PORT DB_FOLDER`` registers ``diag.print_test``
with a handler that writes ``handler-ran`` into DB_FOLDER, stores an ``audit`` event and
then hangs until the process is killed.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.config import MqttConfig
from kiosk.link.mqtt_link import LinkTuning, MqttLink
from tests.link.command_support import CommandRig
from tests.link.link_support import KIOSK_ID, OFFICE, KioskStore


def main(argv: list[str]) -> int:
    host, port, folder = argv[0], int(argv[1]), Path(argv[2])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    store = KioskStore.create(folder)
    rig = CommandRig.create(store, folder / "state")

    def hang(args: Mapping[str, Any]) -> Mapping[str, Any]:
        with store.db.transaction() as tx:
            store.outbox.append(tx, "audit", "test.handler_ran", {"tag": args.get("tag")})
        marker = folder / "handler-ran"
        with marker.open("a") as out:
            out.write(f"{args.get('tag')}\n")
            out.flush()
            os.fsync(out.fileno())
        threading.Event().wait()  # until SIGKILL
        return {}

    rig.register({"diag.print_test": hang})
    link = MqttLink(
        MqttConfig(broker=f"mqtt://{host}:{port}", keepalive_s=5, username="", password=""),
        kiosk_id=KIOSK_ID,
        office=OFFICE,
        session=store.session,
        outbox=store.outbox,
        health=store.health,
        tuning=LinkTuning(backoff_min_s=0.1, backoff_max_s=0.5),
    )
    store.db.add_commit_listener(link.notify_outbox)
    rig.attach(link)
    link.start()
    threading.Event().wait()  # until SIGKILL
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
