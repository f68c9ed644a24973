"""A kiosk process for the kill -9 tests: an MqttLink on a real store, appending on request.

``python -m tests.faults.kiosk_runner URL FOLDER APPEND`` starts the link (keep-alive 30 s),
appends APPEND ``ticket.issued`` events in one transaction, prints ``appended <last seq>
session <session>`` and runs until it is killed.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

from tests.faults.fault_support import kiosk_link
from tests.link.link_support import KioskStore


def main(argv: list[str]) -> int:
    url, folder, append = argv[0], Path(argv[1]), int(argv[2])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    store = KioskStore.create(folder)
    link = kiosk_link(url, store)
    link.start()
    if append:
        store.append_tickets(append)
    print(f"appended {store.outbox.last_seq()} session {store.session}", flush=True)
    threading.Event().wait()  # until SIGKILL
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
