"""The diagnostics screen's rows: the status report and the self-tests, as text to show.

Every label is translated (``diag.*`` message ids; a device, counter or test without one
shows its own name), every moment is shown in the kiosk's time zone, and frames as spaced
hex. :class:`DiagnosticsRows` builds the rows; the view-model puts them in its list models.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, Protocol

from kiosk.core.diagnostics.model import SelfTestInfo, SelfTestResult, StatusReport
from kiosk.devices.health import Health

FRAMES_SHOWN = 64
"""The newest frames shown per device (as many as the drivers' flight recorders keep)."""
CLOCK_DEVICE = "clock"
"""The health entry of the clock's synchronisation (``kiosk.core.clock_guard``)."""
_ARROWS = {"tx": "→", "rx": "←"}
"""A frame's direction: kiosk to device, device to kiosk (others, such as ``--``, as they are)."""


class Texts(Protocol):
    """A message in the language on screen (``fallback`` when the catalogue lacks it)."""

    def __call__(self, message_id: str, *args: object, fallback: str | None = None) -> str:
        """The translated text."""
        ...


class DiagnosticsRows:
    """Builds the rows of the diagnostics screen's lists.

    Args:
        text: the message texts in the language on screen.
        timezone: the kiosk's time zone.
    """

    def __init__(self, text: Texts, timezone: tzinfo) -> None:
        self._text = text
        self._timezone = timezone

    def devices(self, report: StatusReport) -> list[dict[str, Any]]:
        """Every device's health, by name."""
        return [
            {"name": name, **self.health_row(name, status.health)}
            for name, status in sorted(report.devices.items())
        ]

    def counters(self, report: StatusReport) -> list[dict[str, Any]]:
        """The service's counters by name, per-door ones in door order."""
        return [
            {"name": name, "label": self.counter_label(name), "value": f"{value:,}"}
            for name, value in sorted(report.counters.items(), key=counter_order)
        ]

    def faults(self, report: StatusReport) -> list[dict[str, Any]]:
        """The recent faults, newest first as reported."""
        return [
            {"device": fault.device, **self.health_row(fault.device, fault.health)}
            for fault in report.recent_faults
        ]

    def frames(self, report: StatusReport) -> list[dict[str, Any]]:
        """The newest frames of each device's flight recorder."""
        frames: list[dict[str, Any]] = []
        for device, device_frames in sorted(report.frames.items()):
            newest = sorted(device_frames, key=lambda f: f.at, reverse=True)[:FRAMES_SHOWN]
            label = self._text(f"diag.device.{device}", fallback=device)
            frames.extend(
                {
                    "device": device,
                    "label": label,
                    "at": self.local(frame.at, with_ms=True),
                    "direction": _ARROWS.get(frame.direction, frame.direction),
                    "hex": _frame_text(frame.hex, frame.size),
                }
                for frame in newest
            )
        return frames

    def summary(self, report: StatusReport) -> list[dict[str, Any]]:
        """The overview: link, server, outbox, disk, clock, software, config, kiosk."""
        rows: list[dict[str, Any]] = []

        def add(key: str, value: str, tone: str = "") -> None:
            rows.append(
                {
                    "key": key,
                    "label": self._text(f"diag.summary.{key}"),
                    "value": value,
                    "tone": tone,
                }
            )

        link = report.link
        if link is None or not link.broker:
            add("link", self._text("diag.link.offline_by_config"))
        else:
            add(
                "link",
                f"{link.broker}  "
                + self._text("diag.link.connected" if link.connected else "diag.link.down"),
                "" if link.connected else "problem",
            )
            server = (
                "diag.server.unknown"
                if link.server_online is None
                else "diag.server.online"
                if link.server_online
                else "diag.server.offline"
            )
            add("server", self._text(server), "" if link.server_online else "warning")
            oldest = (
                self._text("diag.outbox.none_waiting")
                if link.oldest_unsent_age_s is None
                else self._text("diag.outbox.oldest", self._duration(link.oldest_unsent_age_s))
            )
            add(
                "outbox",
                self._text("diag.outbox.depth", link.outbox_depth) + "  " + oldest,
                "warning" if link.outbox_depth and (link.oldest_unsent_age_s or 0) > 300 else "",
            )
        disk = report.disk
        if disk is not None and disk.total_bytes > 0:
            share = disk.free_bytes / disk.total_bytes
            add(
                "disk",
                self._text(
                    "diag.disk.free",
                    _size(disk.free_bytes),
                    _size(disk.total_bytes),
                    math.floor(share * 100),
                )
                + f"  ({disk.path})",
                "problem" if share < 0.05 else "warning" if share < 0.15 else "",
            )
        else:
            add("disk", self._text("diag.unknown"), "warning")
        clock = report.devices.get(CLOCK_DEVICE)
        if clock is not None:
            health = clock.health
            state = self._text(f"diag.state.{health.state.value}")
            add(
                "clock",
                f"{self.local(report.taken_at)}  {state}"
                + (f"  {health.reason}" if health.reason else ""),
                _tone(health),
            )
        else:
            add("clock", self.local(report.taken_at))
        add("software", report.software_version)
        add("config", str(report.config_version))
        add("kiosk", report.kiosk_id)
        return rows

    def counter_label(self, name: str) -> str:
        """``door_cycles.7`` reads ``diag.counter.door_cycles`` with the door as ``%1``."""
        base, _, door = name.partition(".")
        if door.isdigit():
            return self._text(f"diag.counter.{base}", int(door), fallback=name)
        return self._text(f"diag.counter.{name}", fallback=name)

    def health_row(self, device: str, health: Health) -> dict[str, Any]:
        """A device's (or a fault's) label, state and reason, and since when."""
        return {
            "label": self._text(f"diag.device.{device}", fallback=device),
            "health": health.state.value,
            "stateText": self._text(f"diag.state.{health.state.value}"),
            "reason": health.reason,
            "detail": health.detail,
            "since": self.local(health.since),
        }

    def tests(
        self,
        infos: Sequence[SelfTestInfo],
        results: Mapping[tuple[str, str], SelfTestResult | str],
    ) -> list[dict[str, Any]]:
        """Each offered self-test: its title, and its state and result once run."""
        rows: list[dict[str, Any]] = []
        for info in infos:
            result = results.get((info.device, info.name))
            state, measured, detail = "idle", "", ""
            if result == "running":
                state = "running"
            elif isinstance(result, SelfTestResult):
                state = "passed" if result.passed else "failed"
                measured = _measured_text(result.measured)
                detail = result.detail
            door = re.fullmatch(r"door-(\d+)", info.name)
            title_args = (int(door.group(1)),) if door else ()
            rows.append(
                {
                    "device": info.device,
                    "name": info.name,
                    "title": self._text(
                        info.title_id, *title_args, fallback=f"{info.device} · {info.name}"
                    ),
                    "needsPerson": info.needs_person,
                    "result": state,
                    "stateText": "" if state == "idle" else self._text(f"diag.test.{state}"),
                    "measured": measured,
                    "detail": detail,
                }
            )
        return rows

    def local(self, moment: datetime, *, with_ms: bool = False) -> str:
        """A moment in the kiosk's time zone (to the millisecond for frames)."""
        local = moment.astimezone(self._timezone)
        text = local.strftime("%Y-%m-%d %H:%M:%S")
        return f"{text}.{local.microsecond // 1000:03d}" if with_ms else text

    def _duration(self, seconds: float) -> str:
        whole = max(0, round(seconds))
        if whole < 60:
            return self._text("diag.duration.seconds", whole)
        if whole < 3600:
            return self._text("diag.duration.minutes", whole // 60, whole % 60)
        return self._text("diag.duration.hours", whole // 3600, (whole % 3600) // 60)


def _tone(health: Health) -> str:
    return {"ok": "", "degraded": "warning"}.get(health.state.value, "problem")


def error_text(value: object) -> str:
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    return f"unexpected answer {type(value).__name__}"


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - the loop always returns


def counter_order(item: tuple[str, int]) -> tuple[str, int, str]:
    """Counters by name, per-door ones by door number (door 2 before door 10)."""
    base, _, door = item[0].partition(".")
    return (base, int(door), "") if door.isdigit() else (base, 0, door)


def _frame_text(text: str, size: int | None) -> str:
    """The bytes as spaced hex, and the whole frame's size when only its head was kept."""
    shown = _spaced_hex(text)
    kept = len("".join(text.split())) // 2
    if size is not None and size > kept:
        return f"{shown} … ({size} B)"
    return shown


def _spaced_hex(text: str) -> str:
    """``1b400a`` -> ``1b 40 0a`` (already spaced text is kept)."""
    compact = "".join(text.split())
    if len(compact) % 2 or any(c not in "0123456789abcdefABCDEF" for c in compact):
        return text
    return " ".join(compact[i : i + 2] for i in range(0, len(compact), 2))


def _measured_text(measured: Mapping[str, Any]) -> str:
    """``brightness: 121.4, focus: 88`` (floats to 4 significant digits)."""

    def value(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    return ", ".join(f"{key}: {value(v)}" for key, v in measured.items())


__all__ = ["DiagnosticsRows", "error_text"]
