"""How a driver logs a change of its health: one line when usable, the recent frames when not.

The printer and the lock-board drivers keep the last frames they exchanged; a technician
reading the log of a fault sees what went over the wire just before it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Protocol

from kiosk.devices.health import Health


class DescribedFrame(Protocol):
    """A recorded frame that can say what it was in one line."""

    def describe(self) -> str:
        """One line: direction, bytes, when."""
        ...


def log_health_change(
    logger: logging.Logger,
    name: str,
    health: Health,
    frames: Collection[DescribedFrame],
    transport: str,
    *,
    with_frames: bool = False,
) -> None:
    """Log ``name``'s new ``health``: INFO when usable, else WARNING with the recent frames.

    Args:
        logger: the driver's logger.
        name: the device's name in the log.
        health: the new health.
        frames: the driver's recent frames, oldest first.
        transport: where the device is (``Transport.describe()``).
        with_frames: log the frames even when the health is usable.
    """
    if health.state.usable and not with_frames:
        reason = f" ({health.reason})" if health.reason else ""
        logger.info("%s is %s%s", name, health.state.value, reason)
        return
    logger.warning(
        "%s is %s (%s: %s); last %d frames on %s:\n%s",
        name,
        health.state.value,
        health.reason,
        health.detail,
        len(frames),
        transport,
        "\n".join("  " + frame.describe() for frame in frames),
    )
