"""The kiosk's configuration: one TOML file, typed and validated.

``/etc/kiosk/kiosk.toml`` by default, ``--config FILE`` to override. A bad file gives a
``ConfigError`` naming the key, the value and what is wrong; ``kiosk config check FILE``
prints it. ``config/kiosk.example.toml`` documents every key.

ADDING A KEY: it goes in its section's module, one per TOML table (``[printer]`` ->
``printer.py``, ``[[services]]`` -> ``services.py``, ``[kiosk]`` -> ``kiosk_section.py``,
``[photo.mount]`` -> ``photo.py``...): add it to the section's schema (the ``Section`` class:
type, range with ``Meta(ge=..., le=...)``, default), to the frozen ``...Config`` dataclass the
rest of the kiosk reads, and to ``parse_...``; checks a type cannot say go in ``parse_...`` with
``table.fail(name, value, problem)``. A new table also goes in ``model.SECTIONS`` and
``parse_config``. Document it in ``config/kiosk.example.toml``. ``schema.py`` says why msgspec.
"""

from __future__ import annotations

from kiosk.config.accessibility import AccessibilityConfig
from kiosk.config.checkin import CheckInConfig, CheckInWindow
from kiosk.config.diagnostics import DiagnosticsConfig
from kiosk.config.handover import HandoverConfig
from kiosk.config.kiosk_section import KIOSK_ID_RE, RESERVED_IDS
from kiosk.config.locker import LockerConfig
from kiosk.config.model import (
    DEFAULT_CONFIG_PATH,
    KioskConfig,
    load_config,
    parse_config,
    read_config_document,
    unconfigured_kiosk_config,
)
from kiosk.config.mqtt import MqttConfig, certificate_common_name
from kiosk.config.photo import PhotoConfig, PhotoMountConfig
from kiosk.config.printer import PrinterConfig
from kiosk.config.scanner import ScannerConfig
from kiosk.config.services import ServiceConfig
from kiosk.config.text import MAX_FORMAT_WIDTH, SUPPORTED_LANGUAGES, LocalText
from kiosk.config.tickets import TicketConfig
from kiosk.config.trust import KID_RE, TrustConfig
from kiosk.config.ui import UiConfig

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "KID_RE",
    "KIOSK_ID_RE",
    "MAX_FORMAT_WIDTH",
    "RESERVED_IDS",
    "SUPPORTED_LANGUAGES",
    "AccessibilityConfig",
    "CheckInConfig",
    "CheckInWindow",
    "DiagnosticsConfig",
    "HandoverConfig",
    "KioskConfig",
    "LocalText",
    "LockerConfig",
    "MqttConfig",
    "PhotoConfig",
    "PhotoMountConfig",
    "PrinterConfig",
    "ScannerConfig",
    "ServiceConfig",
    "TicketConfig",
    "TrustConfig",
    "UiConfig",
    "certificate_common_name",
    "load_config",
    "parse_config",
    "read_config_document",
    "unconfigured_kiosk_config",
]
