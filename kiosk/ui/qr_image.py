"""QR codes for the screen: ``image://qr/<url-encoded payload>`` in QML.

The ticket's QR (the queue-status URL) is drawn on screen when the printer could not print it,
so a citizen can photograph it or scan it with a phone.
"""

# ruff: noqa: N802 - Qt and QML names are camelCase

from __future__ import annotations

import logging
from urllib.parse import quote, unquote

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtQuick import QQuickImageProvider

log = logging.getLogger(__name__)

PROVIDER_ID = "qr"
QUIET_ZONE_MODULES = 4  # ISO/IEC 18004 asks for four modules of white around the code
DEFAULT_SIZE_PX = 360


def qr_source(payload: str) -> str:
    """The QML image source that shows ``payload`` as a QR code (empty for no payload)."""
    if not payload:
        return ""
    return f"image://{PROVIDER_ID}/{quote(payload, safe='')}"


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules of ``payload`` (True = dark), with the quiet zone."""
    import qrcode  # NOTE: here, not at import: the home screen needs no QR (cold start)
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE_MODULES)
    code.add_data(payload)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def draw_qr(payload: str, size_px: int) -> QImage:
    """A square black-on-white QR image about ``size_px`` wide, whole pixels per module."""
    matrix = qr_matrix(payload)
    modules = len(matrix)
    scale = max(1, size_px // modules)
    side = modules * scale
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    try:
        black = QColor(Qt.GlobalColor.black)
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    painter.fillRect(QRect(x * scale, y * scale, scale, scale), black)
    finally:
        painter.end()
    return image


class QrImageProvider(QQuickImageProvider):
    """Serves ``image://qr/<url-encoded payload>`` as a crisp QR image.

    QML asks with ``sourceSize`` for the wanted size; without it the code is about
    ``DEFAULT_SIZE_PX`` wide.
    """

    def __init__(self) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)

    def requestImage(self, image_id: str, size: QSize, requested_size: QSize) -> QImage:
        """Draw the QR for the id (the URL-encoded payload)."""
        # NOTE: Qt may hand the id over partly decoded; unquote is safe either way because
        # a literal '%' in the payload stays '%25' in both forms.
        payload = unquote(image_id)
        wanted = max(requested_size.width(), requested_size.height())
        image = draw_qr(payload, wanted if wanted > 0 else DEFAULT_SIZE_PX)
        if size is not None:
            size.setWidth(image.width())
            size.setHeight(image.height())
        log.debug("QR drawn for %d-character payload, %d px", len(payload), image.width())
        return image
