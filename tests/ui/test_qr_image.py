"""The on-screen QR code: what a phone reads is exactly the ticket's status URL."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from kiosk.ui.qr_image import QrImageProvider, qr_source

PAYLOADS = [
    "https://queue.example.jp/chuo/t/01a21b06-85ba-7000-ab7a-0400d72403dd?n=A-001",
    "https://queue.example.jp/chuo/t/x?a=1&b=%2F#frag",
    "https://例え.jp/待ち/A-001",
]


def to_pillow(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())[: rgb.sizeInBytes()]
    return Image.frombuffer(
        "RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine(), 1
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_qr_provider_draws_a_code_that_reads_back_as_the_payload(
    qapp: QApplication, payload: str
) -> None:
    source = qr_source(payload)
    assert source.startswith("image://qr/")
    image_id = source.removeprefix("image://qr/")
    size = QSize()

    image = QrImageProvider().requestImage(image_id, size, QSize(260, 260))

    assert image.width() == image.height() <= 260
    assert image.width() >= 200
    assert (size.width(), size.height()) == (image.width(), image.height())
    assert [code.text for code in zxingcpp.read_barcodes(to_pillow(image))] == [payload]


def test_no_payload_means_no_image_source() -> None:
    assert qr_source("") == ""
