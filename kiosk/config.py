"""The kiosk's configuration: one TOML file, typed and validated.

``/etc/kiosk/kiosk.toml`` by default, ``--config FILE`` to override. A bad file gives a
``ConfigError`` naming the key, the value and what is wrong; ``kiosk config check FILE``
prints it. ``config/kiosk.example.toml`` documents every key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.devices.printer.protocol import TextMode
from kiosk.devices.url import parse_device_url
from kiosk.errors import ConfigError, DeviceUrlError

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
KIOSK_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
SUPPORTED_LANGUAGES = ("ja", "en")
# kiosk/v1/server/state and kiosk/v1/office/… would clash with a kiosk of that name.
RESERVED_IDS = frozenset({"server", "office"})

T = TypeVar("T")


@dataclass(frozen=True)
class LocalText:
    """A text in every UI language (``{ja = "…", en = "…"}`` in the file)."""

    values: Mapping[str, str]

    def get(self, language: str) -> str:
        """The text in ``language``, else in the first language that has one."""
        if language in self.values:
            return self.values[language]
        return next(iter(self.values.values()))


@dataclass(frozen=True)
class ServiceConfig:
    """One service citizens can take a ticket for."""

    id: str
    prefix: str
    name: LocalText
    average_service_min: float


@dataclass(frozen=True)
class TicketConfig:
    """Numbering and the ticket's QR."""

    reset_time: time
    number_format: str
    status_url: str


@dataclass(frozen=True)
class PrinterConfig:
    """The ticket printer (DESIGN §3: a device URL)."""

    url: str
    text_mode: TextMode
    paper_width_dots: int
    status_timeout_s: float
    connect_timeout_s: float
    raster_font: Path | None


@dataclass(frozen=True)
class MqttConfig:
    """The link to the central server; ``broker`` empty means offline."""

    broker: str
    keepalive_s: int
    username: str
    password: str


@dataclass(frozen=True)
class UiConfig:
    """Screen timings and languages."""

    languages: tuple[str, ...]
    inactivity_s: float
    take_ticket_s: float
    fullscreen: bool


@dataclass(frozen=True)
class KioskConfig:
    """The whole validated configuration."""

    kiosk_id: str
    office: str
    office_name: LocalText
    timezone: ZoneInfo
    state_dir: Path
    services: tuple[ServiceConfig, ...]
    tickets: TicketConfig
    printer: PrinterConfig
    mqtt: MqttConfig
    ui: UiConfig
    source: str = field(default="<memory>", compare=False)

    def service(self, service_id: str) -> ServiceConfig:
        """The service with this id.

        Raises:
            ConfigError: no such service.
        """
        for service in self.services:
            if service.id == service_id:
                return service
        raise ConfigError("services", service_id, "no service with this id", source=self.source)


class _Reader:
    """Reads typed values from a TOML table, naming the full key in every error."""

    def __init__(self, table: Mapping[str, Any], prefix: str, source: str):
        self.table = table
        self.prefix = prefix
        self.source = source
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, value: object, problem: str) -> ConfigError:
        return ConfigError(self.key(name), value, problem, source=self.source)

    def raw(self, name: str, default: object = ...) -> Any:
        self.used.add(name)
        if name in self.table:
            return self.table[name]
        if default is ...:
            raise ConfigError(self.key(name), None, "is missing", source=self.source)
        return default

    def typed(self, name: str, kind: type[T], default: object = ...) -> T:
        value = self.raw(name, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(name, value, f"must be a {_kind_name(kind)}")
        return value

    def text(self, name: str, default: object = ...) -> str:
        return self.typed(name, str, default)

    def number(self, name: str, default: object = ..., *, low: float, high: float) -> float:
        value = self.typed(name, float, default)
        if not low <= value <= high:
            raise self.fail(name, value, f"must be between {low:g} and {high:g}")
        return value

    def sub(self, name: str, *, required: bool = True) -> _Reader:
        value = self.raw(name, ... if required else {})
        if not isinstance(value, Mapping):
            raise self.fail(name, value, "must be a table")
        return _Reader(value, self.key(name), self.source)

    def local_text(self, name: str, languages: tuple[str, ...]) -> LocalText:
        value = self.raw(name)
        if isinstance(value, str):
            return LocalText({lang: value for lang in languages})
        if not isinstance(value, Mapping) or not value:
            raise self.fail(name, value, 'must be a text or a table like {ja = "…", en = "…"}')
        for lang, text in value.items():
            if lang not in SUPPORTED_LANGUAGES:
                raise self.fail(f"{name}.{lang}", text, f"unknown language {lang!r}")
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"{name}.{lang}", text, "must be a non-empty text")
        if languages[0] not in value:
            raise self.fail(name, value, f"needs a text in the default language {languages[0]!r}")
        return LocalText(dict(value))

    def check_unknown(self) -> None:
        for name in self.table:
            if name not in self.used:
                raise self.fail(name, self.table[name], "unknown key (misspelt?)")


_KIND_NAMES: dict[type, str] = {
    str: "text",
    float: "number",
    int: "whole number",
    bool: "true or false",
    list: "list",
}


def _kind_name(kind: type) -> str:
    return _KIND_NAMES.get(kind, kind.__name__)


def load_config(path: Path) -> KioskConfig:
    """Read and validate a config file.

    Raises:
        ConfigError: the file is missing, not TOML, or a value is wrong; the message names
            the file, the key, the value and the problem.
    """
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("file", source, "does not exist", source=source) from None
    except OSError as exc:
        raise ConfigError(
            "file", source, f"cannot be read: {exc.strerror}", source=source
        ) from None
    except UnicodeDecodeError:
        raise ConfigError("file", source, "is not UTF-8 text", source=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("file", source, f"is not valid TOML: {exc}", source=source) from None
    return parse_config(data, source=source, base_dir=path.parent)


def parse_config(
    data: Mapping[str, Any], *, source: str = "<memory>", base_dir: Path | None = None
) -> KioskConfig:
    """Validate an already-parsed TOML document (see ``load_config``)."""
    top = _Reader(data, "", source)
    kiosk = top.sub("kiosk")
    ui = top.sub("ui", required=False)
    languages = tuple(ui.typed("languages", list, ["ja", "en"]))
    if not languages or any(lang not in SUPPORTED_LANGUAGES for lang in languages):
        raise ui.fail(
            "languages", list(languages), f"must list languages from {SUPPORTED_LANGUAGES}"
        )

    kiosk_id = kiosk.text("id")
    if not KIOSK_ID_RE.fullmatch(kiosk_id):
        raise kiosk.fail(
            "id",
            kiosk_id,
            "may hold only a-z, 0-9 and '-' (1 to 64 characters); it is the "
            "MQTT client id and a topic level, where '/', '+' and '#' would break the ACLs",
        )
    if kiosk_id in RESERVED_IDS:
        raise kiosk.fail("id", kiosk_id, "is reserved for the server's own topics")
    office = kiosk.text("office")
    if not KIOSK_ID_RE.fullmatch(office):
        raise kiosk.fail("office", office, "may hold only a-z, 0-9 and '-'")
    tz_name = kiosk.text("timezone", "Asia/Tokyo")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise kiosk.fail(
            "timezone", tz_name, "is not a known time zone (e.g. Asia/Tokyo)"
        ) from None
    state_dir = Path(kiosk.text("state_dir", "/var/lib/kiosk"))
    if base_dir is not None and not state_dir.is_absolute():
        state_dir = base_dir / state_dir
    office_name = kiosk.local_text("office_name", languages)
    kiosk.check_unknown()

    services_raw = top.raw("services")
    if not isinstance(services_raw, list) or not services_raw:
        raise top.fail("services", services_raw, "needs at least one [[services]] table")
    services: list[ServiceConfig] = []
    for index, entry in enumerate(services_raw):
        if not isinstance(entry, Mapping):
            raise top.fail(f"services[{index}]", entry, "must be a table")
        svc = _Reader(entry, f"services[{index}]", source)
        sid = svc.text("id")
        if not re.fullmatch(r"[a-z0-9_-]{1,32}", sid):
            raise svc.fail("id", sid, "may hold only a-z, 0-9, '_' and '-'")
        if any(s.id == sid for s in services):
            raise svc.fail("id", sid, "is used by another service")
        prefix = svc.text("prefix")
        if not re.fullmatch(r"[A-Z]{1,3}", prefix):
            raise svc.fail("prefix", prefix, "must be 1 to 3 capital letters A-Z")
        if any(s.prefix == prefix for s in services):
            raise svc.fail("prefix", prefix, "is used by another service; numbers would clash")
        services.append(
            ServiceConfig(
                id=sid,
                prefix=prefix,
                name=svc.local_text("name", languages),
                average_service_min=svc.number("average_service_min", 5.0, low=0.5, high=240),
            )
        )
        svc.check_unknown()

    tk = top.sub("tickets", required=False)
    reset_text = tk.text("reset_time", "00:00")
    try:
        reset_time = time.fromisoformat(reset_text)
    except ValueError:
        raise tk.fail("reset_time", reset_text, "must be a local time HH:MM, e.g. 03:00") from None
    number_format = tk.text("number_format", "{prefix}-{number:03d}")
    try:
        number_format.format(prefix="A", number=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise tk.fail(
            "number_format", number_format, f"must use only {{prefix}} and {{number}}: {exc}"
        ) from None
    status_url = tk.text("status_url", "https://queue.example.jp/{office}/{ticket_id}")
    try:
        status_url.format(office="o", ticket_id="t", number="A-001", service="s")
    except (KeyError, IndexError, ValueError) as exc:
        raise tk.fail(
            "status_url",
            status_url,
            f"may use only {{office}}, {{ticket_id}}, {{number}}, {{service}}: {exc}",
        ) from None
    tk.check_unknown()

    pr = top.sub("printer", required=False)
    printer_url = pr.text("url", "sim://")
    try:
        parse_device_url(printer_url, default_port=9100)
    except DeviceUrlError as exc:
        raise pr.fail("url", printer_url, str(exc)) from None
    mode_text = pr.text("text_mode", "kanji")
    try:
        text_mode = TextMode(mode_text)
    except ValueError:
        raise pr.fail("text_mode", mode_text, "must be 'kanji' or 'raster'") from None
    font_text = pr.text("raster_font", "")
    printer = PrinterConfig(
        url=printer_url,
        text_mode=text_mode,
        paper_width_dots=int(pr.number("paper_width_dots", 576, low=128, high=2048)),
        status_timeout_s=pr.number("status_timeout_s", 1.0, low=0.05, high=30),
        connect_timeout_s=pr.number("connect_timeout_s", 3.0, low=0.1, high=60),
        raster_font=Path(font_text) if font_text else None,
    )
    pr.check_unknown()

    mq = top.sub("mqtt", required=False)
    broker = mq.text("broker", "")
    if broker and not re.fullmatch(r"mqtts?://[^/\s:]+(:\d{1,5})?/?", broker):
        raise mq.fail("broker", broker, "must look like mqtt://host:1883 or mqtts://host:8883")
    mqtt = MqttConfig(
        broker=broker,
        keepalive_s=int(mq.number("keepalive_s", 30, low=5, high=600)),
        username=mq.text("username", ""),
        password=mq.text("password", ""),
    )
    mq.check_unknown()

    ui_cfg = UiConfig(
        languages=languages,
        inactivity_s=ui.number("inactivity_s", 30, low=5, high=600),
        take_ticket_s=ui.number("take_ticket_s", 8, low=2, high=120),
        fullscreen=ui.typed("fullscreen", bool, True),
    )
    ui.check_unknown()
    top.check_unknown()
    return KioskConfig(
        kiosk_id=kiosk_id,
        office=office,
        office_name=office_name,
        timezone=timezone,
        state_dir=state_dir,
        services=tuple(services),
        tickets=TicketConfig(reset_time, number_format, status_url),
        printer=printer,
        mqtt=mqtt,
        ui=ui_cfg,
        source=source,
    )
