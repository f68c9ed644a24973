"""Payloads from the broker are parsed strictly (issue 10, items 10 and 14).

ack, server state, office queue and blob-ack payloads, and a chunk's header line: NaN,
Infinity, repeated keys and deep nesting are "not JSON", logged and ignored, never an
exception on the link's thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.link.blob_frame import BlobFrameError, decode_header
from kiosk.link.blob_sender import BlobSender
from kiosk.link.intake import json_object
from tests.link.link_support import KioskStore

DEEP = b"[" * 100_000 + b"]" * 100_000

HOSTILE = [
    b'{"acked_seq": NaN}',
    b'{"acked_seq": Infinity}',
    b'{"online": true, "online": false}',
    DEEP,
    b'{"v": ' + DEEP + b"}",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_hostile_payload_on_a_json_topic_is_logged_and_ignored(
    payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.link.intake"):
        assert json_object(payload, "kiosk/v1/k-1/ack") is None
    assert "is not strict JSON" in caplog.text


def test_an_ordinary_ack_still_parses() -> None:
    assert json_object(b'{"acked_seq": 42}', "kiosk/v1/k-1/ack") == {"acked_seq": 42}


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_hostile_blob_ack_changes_nothing(payload: bytes, tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    sender = BlobSender(store.db, store.outbox, tmp_path / "photos")
    assert sender.on_blob_ack(payload) is False


def test_a_chunk_header_with_nan_is_a_frame_error() -> None:
    with pytest.raises(BlobFrameError) as info:
        decode_header(b'{"v":1,"n":NaN,"total":1,"size":1,"offset":0,"crc32":"00000000"}\nx')
    assert str(info.value) == "header line is not ASCII JSON: NaN is not a JSON number"
