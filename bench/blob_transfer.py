"""ID photo images on the link: do events still go first? Ratios in one run.

One local Mosquitto, the central simulator (acking every 5 ms), one kiosk link with its
blob sender, all in this process:

1. Event latency without images: a ``ticket.issued`` committed, then the time until the
   server's ``acked_seq`` covers it at the kiosk (commit -> publish -> server stores ->
   retained ack -> kiosk). One event at a time, a short pause between them.
2. The same while 250 KB images are being sent (a queue of them, so every event of this
   phase meets a transfer in progress); the ratio to 1 is the cost of the images.
3. One 250 KB image alone: from its commit to ``transfer_state = confirmed``.

Both with Mosquitto's defaults and with ``set_tcp_nodelay true``. Nagle's algorithm holds a
small packet while an earlier one waits for its TCP ACK, and with Linux's delayed ACKs a hop
then takes about 40 ms on loopback. The link sets ``TCP_NODELAY`` on its own socket (except
while a backlog drains), but the broker's sockets are the broker's: with its default the
server's ack to the kiosk still waits about 40 ms (median 45.8 ms against 7.7 ms in the
5 Dec 2026 run, and the same before the link was split), so deploy/mosquitto/kiosk.conf sets
``set_tcp_nodelay true``.

``.venv/bin/python -m bench.blob_transfer [EVENTS]`` (default 200 per phase).
"""

from __future__ import annotations

import hashlib
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from kiosk.config import MqttConfig
from kiosk.devices.health import HealthBoard
from kiosk.link.blob_frame import chunk_count
from kiosk.link.blob_sender import BlobSender
from kiosk.link.mqtt_link import MqttLink
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.store.photos import PhotoRepository, PhotoRow, TransferState
from simulators.central.server import CentralSimulator
from simulators.mosquitto import MosquittoProcess

PHOTO_BYTES = 250_000
KIOSK = "bench"
TICKET = {"ticket_id": "t-1", "number": "A-001", "service": "certificates"}


def add_photo(db: Database, outbox: Outbox, folder: Path, seed: int) -> PhotoRow:
    """An accepted photo as the booth leaves it (random bytes: the transfer does not look)."""
    data = random.Random(seed).randbytes(PHOTO_BYTES)
    sha256 = hashlib.sha256(data).hexdigest()
    (folder / f"{sha256}.jpg").write_bytes(data)
    row = PhotoRow(
        id=f"bench-{seed}",
        code=f"B{seed:08d}",
        sha256=sha256,
        size_bytes=len(data),
        width_px=827,
        height_px=1063,
        dpi=600,
        rule_set="jp-passport",
        verdicts={},
        file=f"{sha256}.jpg",
        language="ja",
        accepted_at=rfc3339(datetime.now(UTC)),
    )
    with db.transaction() as tx:
        PhotoRepository.insert(tx, row)
        outbox.append(tx, "photo", "photo.captured", {"photo_id": row.id, "sha256": sha256})
    return row


def event_latency(db: Database, outbox: Outbox) -> float:
    """Seconds from committing one event to the server's ack of it at the kiosk."""
    start = time.perf_counter()
    with db.transaction() as tx:
        event = outbox.append(tx, "ticket", "ticket.issued", TICKET)
    assert event is not None
    while outbox.acked_seq() < event.seq:
        time.sleep(0.0005)
    return time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


class NoDelayMosquitto(MosquittoProcess):
    """A Mosquitto that sends small packets at once (``set_tcp_nodelay true``)."""

    def _write_config(self) -> None:
        super()._write_config()
        with self.conf_path.open("a", encoding="utf-8") as conf:
            conf.write("set_tcp_nodelay true\n")


def run(folder: Path, events: int, *, nodelay: bool) -> None:
    """Measure and print one table (see the module docs)."""
    photos = folder / "photos"
    photos.mkdir()
    broker_class = NoDelayMosquitto if nodelay else MosquittoProcess
    with broker_class(folder / "broker") as broker:
        db = Database(folder / "kiosk.sqlite3")
        outbox = Outbox(db, kiosk_id=KIOSK, session=begin_session(db))
        repo = PhotoRepository(db)
        blobs = BlobSender(db, outbox, photos)
        with CentralSimulator("127.0.0.1", broker.port, ack_interval_s=0.005) as sim:
            link = MqttLink(
                MqttConfig(broker=broker.url, keepalive_s=30, username="", password=""),
                kiosk_id=KIOSK,
                office="bench",
                session=outbox.session,
                outbox=outbox,
                health=HealthBoard(),
                blobs=blobs,
            )
            db.add_commit_listener(link.notify_outbox)
            link.start()
            link.wait_ready(10)
            for _ in range(20):  # warm-up
                event_latency(db, outbox)

            idle = []
            for _ in range(events):
                idle.append(event_latency(db, outbox))
                time.sleep(0.002)

            # One image alone.
            start = time.perf_counter()
            alone = add_photo(db, outbox, photos, seed=0)
            while repo.get(alone.id).transfer_state != TransferState.CONFIRMED:  # type: ignore[union-attr]
                time.sleep(0.0005)
            alone_s = time.perf_counter() - start

            # Events while images are being sent: keep a queue of images ahead.
            busy: list[float] = []
            seed = 1
            images_start = time.perf_counter()
            while len(busy) < events:
                if repo.transfer_backlog().pending < 3:
                    add_photo(db, outbox, photos, seed)
                    seed += 1
                sending = blobs.current is not None
                latency = event_latency(db, outbox)
                if sending and blobs.current is not None:
                    busy.append(latency)
                time.sleep(0.002)
            while repo.transfer_backlog().pending:
                time.sleep(0.005)
            images_s = time.perf_counter() - images_start
            sent = len(sim.received_blobs()) - 1
            link.stop()
        db.close()

    chunks = chunk_count(PHOTO_BYTES)
    rows = [
        ("no image in transfer", idle),
        ("250 KB images in transfer", busy),
    ]
    setting = "set_tcp_nodelay true" if nodelay else "default config (Nagle on)"
    print(f"Mosquitto {setting}; event latency, commit -> server ack at the kiosk:")
    print(f"  {'':28s} {'median ms':>10s} {'p95 ms':>8s} {'max ms':>8s}")
    for name, values in rows:
        print(
            f"  {name:28s} {statistics.median(values) * 1000:10.2f} "
            f"{percentile(values, 0.95) * 1000:8.2f} {max(values) * 1000:8.2f}"
        )
    median_ratio = statistics.median(busy) / statistics.median(idle)
    p95_ratio = percentile(busy, 0.95) / percentile(idle, 0.95)
    print(f"  ratio with/without images: median {median_ratio:.2f}x, p95 {p95_ratio:.2f}x")
    print(
        f"one 250 KB image alone ({chunks} chunks of 32 KiB): commit -> confirmed "
        f"{alone_s * 1000:.0f} ms ({PHOTO_BYTES / alone_s / 1e6:.1f} MB/s)"
    )
    print(
        f"{sent} images sent while the events of phase 2 ran: "
        f"{sent * PHOTO_BYTES / images_s / 1e6:.1f} MB/s of images next to the events"
    )


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.ERROR)
    args = sys.argv[1:] if argv is None else argv
    events = int(args[0]) if args else 200
    for nodelay in (False, True):
        with tempfile.TemporaryDirectory(prefix="bench-blob-", dir=Path.cwd()) as tmp:
            run(Path(tmp), events, nodelay=nodelay)


if __name__ == "__main__":
    main()
