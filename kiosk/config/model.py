"""The whole configuration (:class:`KioskConfig`) and how a document becomes one."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.config.accessibility import AccessibilityConfig, parse_accessibility
from kiosk.config.checkin import CheckInConfig, parse_checkin
from kiosk.config.diagnostics import DiagnosticsConfig, parse_diagnostics
from kiosk.config.handover import HandoverConfig, parse_handover
from kiosk.config.kiosk_section import parse_kiosk
from kiosk.config.locker import LockerConfig, parse_locker
from kiosk.config.mqtt import MqttConfig, parse_mqtt
from kiosk.config.photo import PhotoConfig, parse_photo
from kiosk.config.printer import PrinterConfig, parse_printer
from kiosk.config.scanner import ScannerConfig, parse_scanner
from kiosk.config.schema import Table
from kiosk.config.services import ServiceConfig, parse_services
from kiosk.config.text import LocalText
from kiosk.config.tickets import TicketConfig, parse_tickets
from kiosk.config.trust import TrustConfig, parse_trust
from kiosk.config.ui import UiConfig, parse_ui
from kiosk.core.office_hours import OpeningHours
from kiosk.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
# The document's tables, in the order they are checked (the first wrong key is reported).
SECTIONS = (
    "ui",
    "kiosk",
    "services",
    "tickets",
    "printer",
    "scanner",
    "locker",
    "photo",
    "handover",
    "mqtt",
    "checkin",
    "trust",
    "diagnostics",
    "accessibility",
)


@dataclass(frozen=True)
class KioskConfig:
    """The whole validated configuration.

    ``demo`` is True only for ``kiosk demo``'s own configuration: it alone may trust the
    public demo keys.
    """

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
    checkin: CheckInConfig = field(default_factory=CheckInConfig)
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    locker: LockerConfig = field(default_factory=LockerConfig)
    photo: PhotoConfig = field(default_factory=PhotoConfig)
    handover: HandoverConfig = field(default_factory=HandoverConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    opening_hours: OpeningHours = field(default_factory=OpeningHours)
    diagnostics: DiagnosticsConfig = field(default_factory=DiagnosticsConfig)
    accessibility: AccessibilityConfig = field(default_factory=AccessibilityConfig)
    source: str = field(default="<memory>", compare=False)
    demo: bool = field(default=False, compare=False)

    def service(self, service_id: str) -> ServiceConfig:
        """The service with this id.

        Raises:
            ConfigError: no such service.
        """
        for service in self.services:
            if service.id == service_id:
                return service
        raise ConfigError("services", service_id, "no service with this id", source=self.source)


def parse_config(
    data: Mapping[str, Any],
    *,
    source: str = "<memory>",
    base_dir: Path | None = None,
    demo: bool = False,
) -> KioskConfig:
    """Validate an already-parsed TOML document (see ``load_config``).

    Args:
        data: the document.
        source: names the file in error messages.
        base_dir: relative paths in the document start here.
        demo: ``kiosk demo``'s own configuration; only it may trust the public demo keys.

    Raises:
        ConfigError: the first wrong key, with its value and the problem.
    """
    top = Table("", source, data)
    for name, value in data.items():
        if name not in SECTIONS:
            top.fail(name, value, "unknown key (misspelt?)")
    if "kiosk" not in data:
        top.fail("kiosk", None, "is missing")
    ui = parse_ui(top.sub("ui"))
    site = parse_kiosk(top.sub("kiosk"), ui.languages, base_dir)
    services = parse_services(top, ui.languages)
    tickets = parse_tickets(top.sub("tickets"))
    printer = parse_printer(top.sub("printer"))
    scanner = parse_scanner(top.sub("scanner"))
    locker = parse_locker(top.sub("locker"))
    photo = parse_photo(top.sub("photo"))
    handover = parse_handover(top.sub("handover"))
    mqtt = parse_mqtt(top.sub("mqtt"), site.kiosk_id, base_dir)
    checkin = parse_checkin(top.sub("checkin"), services, ui.languages)
    trust = parse_trust(top.sub("trust"), demo=demo)
    diagnostics = parse_diagnostics(top.sub("diagnostics"))
    accessibility = parse_accessibility(top.sub("accessibility"), services)
    return KioskConfig(
        kiosk_id=site.kiosk_id,
        office=site.office,
        office_name=site.office_name,
        opening_hours=site.opening_hours,
        timezone=site.timezone,
        state_dir=site.state_dir,
        services=services,
        tickets=tickets,
        printer=printer,
        scanner=scanner,
        locker=locker,
        photo=photo,
        handover=handover,
        mqtt=mqtt,
        ui=ui,
        checkin=checkin,
        trust=trust,
        diagnostics=diagnostics,
        accessibility=accessibility,
        source=source,
        demo=demo,
    )


def load_config(path: Path) -> KioskConfig:
    """Read and validate a config file.

    Raises:
        ConfigError: the file is missing, not TOML, or a value is wrong; the message names
            the file, the key, the value and the problem.
    """
    return parse_config(read_config_document(path), source=str(path), base_dir=path.parent)


def unconfigured_kiosk_config() -> KioskConfig:
    """A stand-in config for a kiosk whose own config was refused: enough to show the
    out-of-service screen (languages, full screen); it names no device and no server."""
    return parse_config(
        {
            "kiosk": {
                "id": "unconfigured",
                "office": "unconfigured",
                "office_name": {"ja": "発券機", "en": "Kiosk"},
                "state_dir": "/nonexistent",
            },
            "services": [{"id": "none", "prefix": "X", "name": "—"}],
        },
        source="<unconfigured>",
    )


def read_config_document(path: Path) -> dict[str, Any]:
    """The config file as a TOML document, not yet validated (the desired config from the
    server is merged into it and validated with ``parse_config``).

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8 or not TOML.
    """
    source = str(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
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
