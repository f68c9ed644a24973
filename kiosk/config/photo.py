"""``[photo]`` and ``[photo.mount]``: the ID photo booth and its motorised camera mount."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from msgspec import Meta
from msgspec import field as schema_field

from kiosk.config.device_url import device_url
from kiosk.config.schema import Section, Table, convert
from kiosk.config.text import template
from kiosk.devices.camera_mount.settings import CameraMountSettings

GpioPin = Annotated[int, Meta(ge=0, le=27)]


@dataclass(frozen=True)
class PhotoMountConfig:
    """The motorised camera mount (``[photo.mount]``, optional): a stepper on GPIO.

    Attributes:
        enabled: a mount is fitted.
        settings: pins and mechanics (the driver's own settings).
        px_per_mm: px the face moves in a 720-line preview per mm of camera travel.
    """

    enabled: bool = False
    settings: CameraMountSettings = field(default_factory=CameraMountSettings)
    px_per_mm: float = 1.4


@dataclass(frozen=True)
class PhotoConfig:
    """The ID photo booth (``[photo]``); off unless enabled."""

    enabled: bool = False
    camera_url: str = ""
    rules: str = "jp-passport"
    receipt_qr: str = "{code}"
    preview_fps: float = 10.0
    hold_ok_s: float = 1.0
    countdown_from: int = 3
    no_face_timeout_s: float = 60.0
    # Days an image's file is kept after the server confirmed it (0: deleted at once).
    keep_days: int = 30
    mount: PhotoMountConfig = field(default_factory=PhotoMountConfig)


class _MountTable(Section):
    enabled: bool = False
    step_pin: GpioPin = 20
    dir_pin: GpioPin = 21
    enable_pin: GpioPin = 16
    limit_pin: GpioPin = 26
    # NOTE: TOML has no null: stall_pin = "none" says the board's DIAG output is not wired.
    stall_pin: GpioPin | Literal["none"] = 19
    steps_per_mm: Annotated[float, Meta(ge=1, le=2000)] = 25.0
    travel_mm: Annotated[float, Meta(ge=50, le=2000)] = 400.0
    max_speed_mm_s: Annotated[float, Meta(ge=5, le=200)] = 40.0
    default_mm: Annotated[float, Meta(ge=10)] = 250.0
    px_per_mm: Annotated[float, Meta(ge=0.1, le=20)] = 1.4


class _PhotoTable(Section):
    enabled: bool = False
    camera_url: str = ""
    rules: Literal["jp-passport", "icao"] = "jp-passport"
    receipt_qr: str = "{code}"
    preview_fps: Annotated[float, Meta(ge=1, le=30)] = 10.0
    hold_ok_s: Annotated[float, Meta(ge=0, le=10)] = 1.0
    countdown_from: Annotated[int, Meta(ge=1, le=10)] = 3
    no_face_timeout_s: Annotated[float, Meta(ge=5, le=600)] = 60.0
    keep_days: Annotated[int, Meta(ge=0, le=3650)] = 30
    mount: dict[str, object] = schema_field(default_factory=dict)


def parse_photo(table: Table) -> PhotoConfig:
    """``[photo]``: a camera URL when enabled; the mount's pins distinct."""
    section = convert(table, _PhotoTable)
    camera_url = device_url(table, "camera_url", section.camera_url, device="camera")
    if section.enabled and not camera_url:
        table.fail("camera_url", camera_url, "is needed when the photo booth is enabled")
    return PhotoConfig(
        enabled=section.enabled,
        camera_url=camera_url,
        rules=section.rules,
        receipt_qr=template(table, "receipt_qr", section.receipt_qr, ("code",)),
        preview_fps=section.preview_fps,
        hold_ok_s=section.hold_ok_s,
        countdown_from=section.countdown_from,
        no_face_timeout_s=section.no_face_timeout_s,
        keep_days=section.keep_days,
        mount=_mount(table.sub("mount")),
    )


def _mount(table: Table) -> PhotoMountConfig:
    """``[photo.mount]``: the camera mount's pins (each used once) and mechanics."""
    section = convert(table, _MountTable)
    stall_pin = None if section.stall_pin == "none" else section.stall_pin
    pins = {
        "step_pin": section.step_pin,
        "dir_pin": section.dir_pin,
        "enable_pin": section.enable_pin,
        "limit_pin": section.limit_pin,
        "stall_pin": stall_pin,
    }
    seen: dict[int, str] = {}
    for name, pin in pins.items():
        if pin is not None and pin in seen:
            table.fail(name, pin, f"GPIO{pin} is already {table.key(seen[pin])}")
        if pin is not None:
            seen[pin] = name
    if section.default_mm > section.travel_mm - 10:
        table.fail(
            "default_mm",
            section.default_mm,
            f"must be between 10 and {section.travel_mm - 10:g} (travel_mm less 10)",
        )
    return PhotoMountConfig(
        enabled=section.enabled,
        settings=CameraMountSettings(
            step_pin=section.step_pin,
            dir_pin=section.dir_pin,
            enable_pin=section.enable_pin,
            limit_pin=section.limit_pin,
            stall_pin=stall_pin,
            steps_per_mm=section.steps_per_mm,
            travel_mm=section.travel_mm,
            max_speed_mm_s=section.max_speed_mm_s,
            default_mm=section.default_mm,
        ),
        px_per_mm=section.px_per_mm,
    )
