"""What the diagnostics say: a status report, a self-test and its result (issue 11).

One model for the three ways in: the diagnostics screen, ``kiosk diag`` over SSH, and the
``diag.run`` MQTT command. Every value is plain data (JSON-ready through ``as_json``); the
``Diagnostics`` Protocol is what those three call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk.devices.health import Health


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class DeviceStatus:
    """One device's health as the diagnostics show it (``since``: when it became so)."""

    name: str
    health: Health

    def as_json(self) -> dict[str, Any]:
        """``{"state", "reason", "detail", "since"}``."""
        return {
            "state": self.health.state.value,
            "reason": self.health.reason,
            "detail": self.health.detail,
            "since": _time(self.health.since),
        }


@dataclass(frozen=True)
class LinkStatus:
    """The link to the central server.

    Attributes:
        broker: the broker URL (empty: the kiosk runs offline by configuration).
        connected: the MQTT session is up.
        server_online: the server's retained state (None: not heard yet).
        outbox_depth: events not yet acknowledged by the server.
        oldest_unsent_age_s: age of the oldest unacknowledged event (None: none waiting).
    """

    broker: str
    connected: bool
    server_online: bool | None
    outbox_depth: int
    oldest_unsent_age_s: float | None

    def as_json(self) -> dict[str, Any]:
        """The link as JSON."""
        return {
            "broker": self.broker,
            "connected": self.connected,
            "server_online": self.server_online,
            "outbox_depth": self.outbox_depth,
            "oldest_unsent_age_s": self.oldest_unsent_age_s,
        }


@dataclass(frozen=True)
class DiskStatus:
    """Free space where the state lives."""

    path: str
    free_bytes: int
    total_bytes: int

    def as_json(self) -> dict[str, Any]:
        """The disk as JSON."""
        return {"path": self.path, "free_bytes": self.free_bytes, "total_bytes": self.total_bytes}


@dataclass(frozen=True)
class FaultRecord:
    """A recent fault: which device, what, when (from the health history)."""

    device: str
    health: Health

    def as_json(self) -> dict[str, Any]:
        """The fault as JSON."""
        return {"device": self.device, **DeviceStatus(self.device, self.health).as_json()}


@dataclass(frozen=True)
class WireFrame:
    """One frame a device exchanged: when, which way, the bytes in hex (flight recorder).

    ``size`` is the frame's whole length in bytes when ``hex`` holds only its first bytes
    (a printer keeps the head of a ticket); None when unknown.
    """

    at: datetime
    direction: str  # "tx" (kiosk -> device) or "rx"; "--": nothing arrived in time
    hex: str
    size: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The frame as JSON."""
        return {
            "at": _time(self.at),
            "direction": self.direction,
            "hex": self.hex,
            "size": self.size,
        }


@dataclass(frozen=True)
class StatusReport:
    """Everything ``kiosk diag status`` and the diagnostics screen show.

    ``as_json()["devices"]`` maps each device name to at least
    ``{"state": "ok|degraded|fault|unknown", "reason": …, "since": …}``.
    """

    kiosk_id: str
    taken_at: datetime
    software_version: str
    config_version: int
    devices: Mapping[str, DeviceStatus]
    link: LinkStatus | None
    disk: DiskStatus | None
    counters: Mapping[str, int] = field(default_factory=dict)
    recent_faults: Sequence[FaultRecord] = ()
    frames: Mapping[str, Sequence[WireFrame]] = field(default_factory=dict)

    @property
    def worst(self) -> str:
        """``ok`` when every device is ok, else the worst state seen (for exit codes)."""
        order = ("ok", "degraded", "unknown", "fault")
        states = [d.health.state.value for d in self.devices.values()] or ["ok"]
        return max(states, key=order.index)

    def as_json(self) -> dict[str, Any]:
        """The whole report as one JSON object."""
        return {
            "kiosk": self.kiosk_id,
            "taken_at": _time(self.taken_at),
            "software_version": self.software_version,
            "config_version": self.config_version,
            "devices": {name: d.as_json() for name, d in sorted(self.devices.items())},
            "link": None if self.link is None else self.link.as_json(),
            "disk": None if self.disk is None else self.disk.as_json(),
            "counters": dict(sorted(self.counters.items())),
            "recent_faults": [f.as_json() for f in self.recent_faults],
            "frames": {n: [f.as_json() for f in fs] for n, fs in sorted(self.frames.items())},
        }


@dataclass(frozen=True)
class SelfTestInfo:
    """A self-test the technician can start.

    Attributes:
        device: the device it tests (``printer``, ``scanner``, ``camera``, ``locker`` …).
        name: the test's id (``print``, ``echo``, ``frame``, ``door-7`` …).
        needs_person: someone must act at the kiosk (scan the code shown, close the door):
            never run from afar without staff present.
        title_id: the translation key of its name on the screen.
    """

    device: str
    name: str
    needs_person: bool
    title_id: str


@dataclass(frozen=True)
class SelfTestResult:
    """The outcome of one self-test: pass or fail, and what it measured."""

    device: str
    name: str
    passed: bool
    measured: Mapping[str, Any]
    detail: str
    started_at: datetime
    duration_s: float

    def as_json(self) -> dict[str, Any]:
        """The result as JSON (the ``diag.run`` command's result, ``--json``)."""
        return {
            "device": self.device,
            "test": self.name,
            "passed": self.passed,
            "measured": dict(self.measured),
            "detail": self.detail,
            "started_at": _time(self.started_at),
            "duration_s": round(self.duration_s, 3),
        }


class Diagnostics(Protocol):
    """What the diagnostics screen, ``kiosk diag`` and ``diag.run`` call."""

    def status(self) -> StatusReport:
        """The kiosk's status now."""
        ...

    def self_tests(self) -> Sequence[SelfTestInfo]:
        """The self-tests this kiosk's devices offer."""
        ...

    def run_self_test(self, device: str, name: str) -> SelfTestResult:
        """Run one self-test (blocking: call it off the GUI thread)."""
        ...

    def write_bundle(self, path: Path) -> Path:
        """Write the support bundle (``.tar.gz``: logs, health, counters, frames, config
        without secrets) and return its path."""
        ...


__all__ = [
    "DeviceStatus",
    "Diagnostics",
    "DiskStatus",
    "FaultRecord",
    "LinkStatus",
    "SelfTestInfo",
    "SelfTestResult",
    "StatusReport",
    "WireFrame",
]
