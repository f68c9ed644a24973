"""The image of an ID photo goes to the server in chunks, after the events (docs/mqtt-contract.md).

Real Mosquitto, real SQLite store, real central simulator, and the contract monitor on every
message. Photos are put in the store as ``PhotoBoothService.accept`` leaves them (a JPEG
named by its sha256, a pending row and its ``photo.captured`` event in one transaction);
the image bytes are random: the transfer does not look inside.

Run as a program (``python -m tests.link.test_blob_transfer URL FOLDER RATE``), this module
is a kiosk process for the kill -9 test: it opens the store in FOLDER and runs its link,
sending images at RATE bytes per second, until it is killed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.link.blob_frame import CHUNK_SIZE, chunk_count, crc32_hex, encode_chunk
from kiosk.link.blob_sender import BlobSender, BlobTuning
from kiosk.link.mqtt_link import MqttLink, MqttVersion
from kiosk.link.topics import Topics
from kiosk.store.outbox import rfc3339
from kiosk.store.photos import PhotoRepository, PhotoRow, TransferState
from kiosk.uuid7 import uuid7
from simulators.central.server import CentralSimulator
from simulators.proxy import FaultProxy
from tests.contract.monitor import ContractMonitor
from tests.faults.fault_support import kiosk_link
from tests.link.link_support import KIOSK_ID, KioskStore, Recorder, wait_until
from tests.mosquitto import MosquittoBroker

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.link.test_blob_transfer"  # also a kiosk process (see the module docs)
TOPICS = Topics(KIOSK_ID)
PHOTO_SIZE = 250_000  # bytes: the large end of an accepted JPEG
SLOW = 128 * 1024  # bytes per second: a transfer of ~2 s that tests can act in the middle of


@pytest.fixture
def monitor(mosquitto: MosquittoBroker) -> Iterator[ContractMonitor]:
    """Checks every message on the test's broker against the contract."""
    with ContractMonitor(mosquitto.host, mosquitto.port) as running:
        yield running


def photo_dir(store: KioskStore) -> Path:
    return store.db.path.parent / "photos"


def add_photo(store: KioskStore, size: int = PHOTO_SIZE, seed: int = 1) -> tuple[PhotoRow, bytes]:
    """An accepted photo as the booth leaves it: file first, then row and event together."""
    data = random.Random(seed).randbytes(size)
    sha256 = hashlib.sha256(data).hexdigest()
    folder = photo_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{sha256}.jpg").write_bytes(data)
    row = PhotoRow(
        id=uuid7(),
        code=f"P{seed:07d}X",
        sha256=sha256,
        size_bytes=size,
        width_px=827,
        height_px=1063,
        dpi=600,
        rule_set="jp-passport",
        verdicts={"status": {}, "measured": {}, "review": [], "failed": []},
        file=f"{sha256}.jpg",
        language="ja",
        accepted_at=rfc3339(datetime.now(UTC)),
    )
    with store.db.transaction() as tx:
        PhotoRepository.insert(tx, row)
        store.outbox.append(
            tx,
            "photo",
            "photo.captured",
            {
                "photo_id": row.id,
                "code": row.code,
                "sha256": sha256,
                "size_bytes": size,
                "content_type": "image/jpeg",
                "width_px": row.width_px,
                "height_px": row.height_px,
                "dpi": row.dpi,
                "rule_set": row.rule_set,
                "verdicts": row.verdicts,
                "language": row.language,
                "transfer": "pending",
            },
        )
    return row, data


def blob_link(
    url: str,
    store: KioskStore,
    *,
    keep_days: float = 30,
    rate: float | None = None,
    protocol: MqttVersion = MqttVersion.V5,
) -> MqttLink:
    """A link with a blob sender, wired as kiosk/services.py wires it."""
    blobs = BlobSender(
        store.db,
        store.outbox,
        photo_dir(store),
        keep_days=keep_days,
        tuning=BlobTuning(ack_timeout_s=3.0, max_bytes_per_s=rate),
    )
    return kiosk_link(url, store, protocol=protocol, blobs=blobs)


def photo(store: KioskStore, row: PhotoRow) -> PhotoRow:
    found = PhotoRepository(store.db).get(row.id)
    assert found is not None
    return found


def confirmed(store: KioskStore, row: PhotoRow) -> bool:
    return photo(store, row).transfer_state == TransferState.CONFIRMED


def blob_arrivals(sim: CentralSimulator) -> int:
    return sum(1 for a in sim.arrivals(KIOSK_ID) if a.kind == "blob")


# ---- the whole way ------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", [MqttVersion.V5, MqttVersion.V311])
def test_a_photo_image_arrives_whole_after_its_event_and_is_confirmed(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path, protocol: MqttVersion
) -> None:
    store = KioskStore.create(tmp_path)
    row, data = add_photo(store)
    total = chunk_count(len(data))
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
        link = blob_link(mosquitto.url, store, protocol=protocol)
        link.start()
        try:
            wait_until(lambda: confirmed(store, row), 20, "the server to confirm the image")
            sim.wait_for_events(1, 10, type="photo.transferred")
            wait_until(lambda: store.outbox.depth() == 0, 10, "the outbox to empty")
            wait_until(
                lambda: sim.health.get(KIOSK_ID, {}).get("photo_transfer", {}).get("pending") == 0,
                10,
                "the health snapshot to show no backlog",
            )
        finally:
            link.stop()
        assert sim.received_blobs() == {row.sha256: data}
        assert sim.chunk_deliveries(row.sha256) == dict.fromkeys(range(total), 1)
        assert sim.blob_acks == [(KIOSK_ID, {"blob": row.sha256, "ok": True})]
        arrivals = sim.arrivals(KIOSK_ID)
        assert arrivals[0].kind == "evt"  # photo.captured before the first chunk
        transferred = sim.events(KIOSK_ID, "photo.transferred")[0].envelope["data"]
        assert transferred["photo_id"] == row.id
        assert transferred["chunks"] == transferred["chunks_sent"] == total
        assert sim.health[KIOSK_ID]["photo_transfer"]["failed"] == 0
    stored = photo(store, row)
    assert stored.transfer_chunks == total
    assert stored.confirmed_at is not None
    assert stored.file_deleted_at is None
    assert (photo_dir(store) / row.file).read_bytes() == data  # kept for keep_days
    monitor.assert_clean()
    assert monitor.blob_chunks(KIOSK_ID) == [(row.sha256, n) for n in range(total)]


def test_events_made_during_a_transfer_overtake_the_remaining_chunks(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    row, data = add_photo(store)
    total = chunk_count(len(data))
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
        link = blob_link(mosquitto.url, store, rate=SLOW)
        link.start()
        try:
            made: list[tuple[int, int]] = []  # (seq, chunks the server had seen before)
            for wanted in (2, 4):
                assert sim.wait_until(lambda w=wanted: blob_arrivals(sim) >= w, 20)
                seen = blob_arrivals(sim)
                event = store.append_tickets(1)[0]
                made.append((event.seq, seen))
            wait_until(lambda: confirmed(store, row), 20, "the server to confirm the image")
            sim.wait_for_events(made[-1][0], 10, kiosk=KIOSK_ID)
        finally:
            link.stop()
        arrivals = sim.arrivals(KIOSK_ID)
    for seq, seen in made:
        position = next(i for i, a in enumerate(arrivals) if a.kind == "evt" and a.seq == seq)
        chunks_before = sum(1 for a in arrivals[:position] if a.kind == "blob")
        # At most the one chunk already on the wire when the ticket was made got ahead.
        assert chunks_before <= seen + 1, (seq, seen, chunks_before)
        assert chunks_before < total  # the image was still going: the ticket overtook it
    assert sim.received_blobs() == {row.sha256: data}
    monitor.assert_clean()


# ---- faults -------------------------------------------------------------------------------


def test_a_dropped_connection_mid_transfer_resumes_without_starting_over(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    row, data = add_photo(store)
    total = chunk_count(len(data))
    with (
        CentralSimulator(mosquitto.host, mosquitto.port) as sim,
        FaultProxy(mosquitto.host, mosquitto.port) as proxy,
    ):
        link = blob_link(proxy.url, store, rate=SLOW)
        link.start()
        try:
            assert sim.wait_until(lambda: blob_arrivals(sim) >= 3, 20)
            proxy.reset_all()
            assert proxy.wait_until(lambda c: c.accepted >= 2, 20), "no reconnect"
            wait_until(lambda: confirmed(store, row), 30, "the server to confirm the image")
        finally:
            link.stop()
        deliveries = sim.chunk_deliveries(row.sha256)
        assert sim.received_blobs() == {row.sha256: data}
    assert set(deliveries) == set(range(total))
    assert deliveries[0] == deliveries[1] == 1  # PUBACKed before the reset: never again
    assert sum(deliveries.values()) <= total + 1  # at most the chunk in flight, twice
    monitor.assert_clean()


def test_a_kiosk_killed_mid_transfer_resumes_after_its_restart(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    row, data = add_photo(store)
    total = chunk_count(len(data))
    store.db.close()
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
        proc = subprocess.Popen(
            [sys.executable, "-m", MODULE, mosquitto.url, str(tmp_path), str(SLOW)],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert sim.wait_until(lambda: blob_arrivals(sim) >= 3, 30)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        store = KioskStore.create(tmp_path)  # the next life of the kiosk
        done_before = photo(store, row).transfer_chunks
        assert 2 <= done_before < total
        link = blob_link(mosquitto.url, store)
        link.start()
        try:
            wait_until(lambda: confirmed(store, row), 30, "the server to confirm the image")
        finally:
            link.stop()
        deliveries = sim.chunk_deliveries(row.sha256)
        assert sim.received_blobs() == {row.sha256: data}
    assert all(deliveries[n] == 1 for n in range(done_before))  # not sent again
    assert sum(deliveries.values()) <= total + 1
    monitor.assert_clean()


def test_lost_chunks_are_asked_for_again_and_sent_again(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    row, data = add_photo(store)
    total = chunk_count(len(data))
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
        sim.lose_chunks(row.sha256, [2, total - 1])
        link = blob_link(mosquitto.url, store)
        link.start()
        try:
            wait_until(lambda: confirmed(store, row), 20, "the server to confirm the image")
        finally:
            link.stop()
        assert sim.received_blobs() == {row.sha256: data}
        deliveries = sim.chunk_deliveries(row.sha256)
        answers = [body for _, body in sim.blob_acks]
    assert deliveries == {n: 2 if n in (2, total - 1) else 1 for n in range(total)}
    # The last chunk was lost too: the kiosk's ack time-out sent it again, then the server
    # asked for chunk 2 by index.
    assert answers == [
        {"blob": row.sha256, "missing": [2]},
        {"blob": row.sha256, "ok": True},
    ]
    monitor.assert_clean()


def test_the_server_asks_again_for_a_damaged_chunk_and_refuses_a_wrong_hash(
    mosquitto: MosquittoBroker, monitor: ContractMonitor
) -> None:
    data = random.Random(5).randbytes(3 * CHUNK_SIZE + 100)
    sha256 = hashlib.sha256(data).hexdigest()
    chunks = [encode_chunk(data, n) for n in range(4)]
    damaged = bytearray(chunks[1])
    damaged[-1] ^= 0xFF  # the header's CRC-32 no longer fits the bytes
    with (
        CentralSimulator(mosquitto.host, mosquitto.port) as sim,
        Recorder(mosquitto, TOPICS.blob_ack, client_id="peer") as peer,
    ):
        for n, payload in enumerate(chunks):
            peer.publish(TOPICS.blob(sha256, n), bytes(damaged) if n == 1 else payload)
        assert peer.wait_on(TOPICS.blob_ack, lambda b: "missing" in b, 10) == {
            "blob": sha256,
            "missing": [1],
        }
        peer.publish(TOPICS.blob(sha256, 1), chunks[1])
        assert peer.wait_on(TOPICS.blob_ack, lambda b: b.get("ok") is True, 10)["blob"] == sha256
        assert sim.received_blobs() == {sha256: data}

        other = random.Random(6).randbytes(100)
        wrong_name = hashlib.sha256(b"something else").hexdigest()
        peer.publish(TOPICS.blob(wrong_name, 0), encode_chunk(other, 0))
        refusal = peer.wait_on(TOPICS.blob_ack, lambda b: b.get("blob") == wrong_name, 10)
        assert refusal == {"blob": wrong_name, "ok": False, "reason": "sha256_mismatch"}
        assert wrong_name not in sim.received_blobs()
        assert sim.bad_chunks == 1
    monitor.wait_until(lambda m: len(m.on(TOPICS.blob_ack)) >= 3, 10)
    problems = monitor.all_violations()
    assert [(p.rule, p.topic) for p in problems] == [("blob_crc", TOPICS.blob(sha256, 1))]
    assert crc32_hex(bytes(damaged).partition(b"\n")[2]) in problems[0].detail


def test_a_file_changed_or_missing_on_disk_is_reported_and_never_sent(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    changed, _ = add_photo(store, seed=1)
    missing, _ = add_photo(store, seed=2)
    good, good_data = add_photo(store, seed=3)
    path = photo_dir(store) / changed.file
    damaged = bytearray(path.read_bytes())
    damaged[1000] ^= 0x01
    path.write_bytes(bytes(damaged))
    (photo_dir(store) / missing.file).unlink()
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
        link = blob_link(mosquitto.url, store)
        link.start()
        try:
            wait_until(lambda: confirmed(store, good), 20, "the intact image to be confirmed")
            failures = sim.wait_for_events(2, 10, type="photo.transfer_failed")
            wait_until(
                lambda: sim.health.get(KIOSK_ID, {}).get("photo_transfer", {}).get("failed") == 2,
                10,
                "the health snapshot to count two failed transfers",
            )
        finally:
            link.stop()
        assert sim.received_blobs() == {good.sha256: good_data}
        assert sim.chunk_deliveries(changed.sha256) == {}
        assert sim.chunk_deliveries(missing.sha256) == {}
    reasons = {e.envelope["data"]["photo_id"]: e.envelope["data"]["reason"] for e in failures}
    assert reasons == {changed.id: "corrupt", missing.id: "lost"}
    assert photo(store, changed).transfer_state == TransferState.CORRUPT
    assert photo(store, missing).transfer_state == TransferState.LOST
    assert "sha256" in photo(store, changed).transfer_detail
    assert path.exists()  # evidence stays: only confirmed images are ever deleted
    monitor.assert_clean()


def test_a_hash_mismatch_at_the_server_makes_the_kiosk_send_the_image_again(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    row, data = add_photo(store)
    total = chunk_count(len(data))
    with (
        CentralSimulator(mosquitto.host, mosquitto.port) as sim,
        Recorder(mosquitto, client_id="server-peer") as peer,
    ):
        link = blob_link(mosquitto.url, store, rate=SLOW)
        link.start()
        try:
            assert sim.wait_until(lambda: blob_arrivals(sim) >= 3, 20)
            # What a server that found a damaged copy answers (here: a second server).
            peer.publish(
                TOPICS.blob_ack,
                {"blob": row.sha256, "ok": False, "reason": "sha256_mismatch"},
                retain=True,
            )
            wait_until(lambda: confirmed(store, row), 30, "the server to confirm the image")
        finally:
            link.stop()
        assert sim.received_blobs() == {row.sha256: data}
        deliveries = sim.chunk_deliveries(row.sha256)
    assert deliveries[0] == 2  # started again from the first chunk
    assert sum(deliveries.values()) < 2 * total
    monitor.assert_clean()


def test_with_keep_days_0_a_confirmed_file_is_deleted_at_once(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    row, _ = add_photo(store)
    with CentralSimulator(mosquitto.host, mosquitto.port):
        link = blob_link(mosquitto.url, store, keep_days=0)
        link.start()
        try:
            wait_until(lambda: confirmed(store, row), 20, "the server to confirm the image")
            wait_until(
                lambda: photo(store, row).file_deleted_at is not None, 10, "the file's removal"
            )
        finally:
            link.stop()
    assert not (photo_dir(store) / row.file).exists()
    monitor.assert_clean()


# ---- the kiosk process of the kill -9 test -------------------------------------------------


def run_kiosk(url: str, folder: Path, rate: float) -> None:
    """Open the store in ``folder`` and send its images at ``rate`` B/s until killed."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    store = KioskStore.create(folder)
    blob_link(url, store, rate=rate).start()
    threading.Event().wait()


if __name__ == "__main__":
    run_kiosk(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]))
