"""The bit images of ESC/POS, decoded: ``ESC *`` column stripes, ``GS v 0`` raster, and
``GS ( L`` / ``GS 8 L`` stored graphics."""

from __future__ import annotations

from dataclasses import replace

from simulators.printer.blocks import RasterBlock


def column_to_raster(columns: bytes, width: int, bytes_per_column: int) -> bytes:
    """``ESC *`` column data (MSB on top) to packed raster rows."""
    height = 8 * bytes_per_column
    row_bytes = (width + 7) // 8
    rows = bytearray(row_bytes * height)
    for x in range(width):
        for k in range(bytes_per_column):
            value = columns[x * bytes_per_column + k]
            for bit in range(8):
                if value & (0x80 >> bit):
                    y = k * 8 + bit
                    rows[y * row_bytes + x // 8] |= 0x80 >> (x % 8)
    return bytes(rows)


def esc_star_stripe(mode: int, width: int, columns: bytes, align: int) -> RasterBlock:
    """``ESC * m nL nH`` data: 8 dots high (modes 0, 1) or 24 (32, 33); 0 and 32 are
    double width, 0 and 1 triple height."""
    per_column = 3 if mode >= 32 else 1
    return RasterBlock(
        width=width,
        height=8 * per_column,
        data=column_to_raster(columns, width, per_column),
        align=align,
        scale_x=2 if mode in (0, 32) else 1,
        scale_y=3 if mode in (0, 1) else 1,
        command="ESC *",
    )


def gs_v0_image(mode: int, width_bytes: int, height: int, data: bytes, align: int) -> RasterBlock:
    """``GS v 0 m xL xH yL yH`` data; ``m`` doubles width (bit 0) and height (bit 1)."""
    scale = mode % 48 if mode in (0, 1, 2, 3, 48, 49, 50, 51) else 0
    return RasterBlock(
        width=width_bytes * 8,
        height=height,
        data=data,
        align=align,
        scale_x=2 if scale & 1 else 1,
        scale_y=2 if scale & 2 else 1,
        command="GS v 0",
    )


def stored_graphics(body: bytes) -> RasterBlock | None:
    """The image of a ``GS ( L`` / ``GS 8 L`` "store raster graphics" (fn 112) body, or None
    when it is incomplete."""
    if len(body) < 10:
        return None
    width = body[6] | (body[7] << 8)
    height = body[8] | (body[9] << 8)
    data = body[10:]
    needed = (width + 7) // 8 * height
    if not (width and height and len(data) >= needed):
        return None
    return RasterBlock(
        width=(width + 7) // 8 * 8,
        height=height,
        data=data[:needed],
        scale_x=2 if body[3] == 2 else 1,
        scale_y=2 if body[4] == 2 else 1,
        command="GS ( L",
    )


def placed(stored: RasterBlock, align: int) -> RasterBlock:
    """Stored graphics printed with the justification in force."""
    return replace(stored, align=align)
