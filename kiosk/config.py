"""The kiosk's configuration: one TOML file, typed and validated.

``/etc/kiosk/kiosk.toml`` by default, ``--config FILE`` to override. A bad file gives a
``ConfigError`` naming the key, the value and what is wrong; ``kiosk config check FILE``
prints it. ``config/kiosk.example.toml`` documents every key.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.office_hours import OpeningHours, OpeningHoursError
from kiosk.core.trust import KeyPurpose, TrustedKey, TrustError, check_key, check_one_purpose
from kiosk.devices.camera_mount.settings import CameraMountSettings
from kiosk.devices.printer.protocol import TextMode
from kiosk.devices.url import check_device_url, parse_device_url
from kiosk.errors import ConfigError, DeviceUrlError
from kiosk.i18n.catalog import available_languages
from kiosk.i18n.languages import LANGUAGE_CODES, language

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
KIOSK_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
# Every language the kiosk knows; [ui] languages may list those whose catalogue is installed.
SUPPORTED_LANGUAGES = LANGUAGE_CODES
# kiosk/v1/server/state and kiosk/v1/office/… would clash with a kiosk of that name.
RESERVED_IDS = frozenset({"server", "office"})

T = TypeVar("T")


@dataclass(frozen=True)
class LocalText:
    """A text in every UI language (``{ja = "…", en = "…"}`` in the file)."""

    values: Mapping[str, str]

    def get(self, language: str) -> str:
        """The text in ``language``, else in the language it reads as (easy Japanese: the
        Japanese name), else in English, else in the first language that has one."""
        if language in self.values:
            return self.values[language]
        reads_as = _reads_as(language)
        if reads_as in self.values:
            return self.values[reads_as]
        if "en" in self.values:
            return self.values["en"]
        return next(iter(self.values.values()))


def _reads_as(code: str) -> str:
    try:
        return language(code).reads_as
    except KeyError:
        return ""


@dataclass(frozen=True)
class ServiceConfig:
    """One service citizens can take a ticket for."""

    id: str
    prefix: str
    name: LocalText
    average_service_min: float


@dataclass(frozen=True)
class TicketConfig:
    """Numbering and the ticket's QR.

    Attributes:
        reset_time: local time the numbers start again each day.
        number_format: ``{prefix}`` and ``{number}`` (with a small width such as ``03d``).
        status_url: the queue-status page in the ticket's QR: ``https://`` only.
        status_hosts: the hosts ``status_url`` may name; set in the file only (the server's
            desired config cannot widen it). Default: the host of the file's own status_url.
    """

    reset_time: time
    number_format: str
    status_url: str
    status_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrinterConfig:
    """The ticket printer (DESIGN §3: a device URL).

    ``roll_length_m``, ``paper_low_m`` and ``paper_low_tickets`` drive the paper forecast
    (kiosk.core.paper): a new roll's length, and the metres (or tickets, 0 = not used) left
    at which the kiosk says "paper low" before the printer's near-end sensor does.
    """

    url: str
    text_mode: TextMode
    paper_width_dots: int
    status_timeout_s: float
    connect_timeout_s: float
    raster_font: Path | None
    roll_length_m: float = 80.0
    paper_low_m: float = 8.0
    paper_low_tickets: int = 0


@dataclass(frozen=True)
class ScannerConfig:
    """The entrance code scanner (a device URL; empty = none fitted)."""

    url: str = ""
    suffix: str = "cr"
    repeat_window_s: float = 1.5


@dataclass(frozen=True)
class LockerConfig:
    """The compartment locker (``[locker]``; a device URL, empty = none fitted)."""

    url: str = ""
    boards: int = 1
    locks_per_board: int = 16
    pulse_ms: int = 500
    locked_bit: int = 1
    reply_timeout_s: float = 0.25


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


@dataclass(frozen=True)
class HandoverConfig:
    """Passport hand-over from the locker (``[handover]``); needs ``[locker] url``.

    Attributes:
        compartments: door -> size (``S``/``M``/``L``) of every case compartment.
        return_doors: doors that take old passports (``return_mode = "hold"``).
        return_mode: ``hold`` or ``punch``.
        pin_attempts_per_case: wrong PINs before the case is locked for staff.
        pin_budget: wrong PINs across all cases per hour before PIN entry pauses (alert).
        staff_pins: staff number (digits) -> PIN verifier (``scrypt$…``) for the staff
            keypad; never a PIN in clear. Empty: the staff keypad is hidden.
    """

    compartments: Mapping[int, str] = field(default_factory=dict)
    return_doors: tuple[int, ...] = ()
    return_mode: str = "hold"
    pin_attempts_per_case: int = 3
    pin_budget: int = 10
    slot_pins: tuple[int, int, int] | None = None  # punch slot: flap, punch, light barrier
    staff_pins: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DiagnosticsConfig:
    """The technicians' diagnostics screen (``[diagnostics]``).

    Attributes:
        technician_pins: technician number (digits) -> PIN verifier (``scrypt$…``, made by
            ``kiosk pin-verifier``); never a PIN in clear. Empty: the screen has no way in
            (its hidden gesture does not exist).
        inactivity_s: the screen closes itself after this long without a touch.
        pin_budget: wrong technician PINs within ``pin_budget_window_s`` that pause the
            technicians' keypad (that keypad only: never the staff's or the citizens').
        pin_budget_window_s: the sliding window of that budget (the longest a pause lasts).
    """

    technician_pins: Mapping[str, str] = field(default_factory=dict)
    inactivity_s: float = 120.0
    pin_budget: int = 5
    pin_budget_window_s: float = 3600.0


@dataclass(frozen=True)
class AccessibilityConfig:
    """Voice guidance and the physical buttons (``[accessibility]``, issue 13).

    Attributes:
        voice: the speech engine: ``espeak-ng``, ``none`` (no voice button) or ``record``
            (keeps what would be said: tests and demos without a sound card).
        voice_rate_wpm: speaking rate in words per minute.
        call_staff_pin: BCM pin of the call-staff push button (None: not fitted).
        call_staff_lamp_pin: BCM pin of its lamp, lit until staff acknowledge.
        service_pins: BCM pin -> service id of the tactile (braille) ticket buttons.
    """

    voice: str = "none"
    voice_rate_wpm: int = 140
    call_staff_pin: int | None = None
    call_staff_lamp_pin: int | None = None
    service_pins: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MqttConfig:
    """The link to the central server; ``broker`` empty means offline.

    Attributes:
        broker: ``mqtt://host:port`` or ``mqtts://host:port``; empty = offline.
        keepalive_s: MQTT keep-alive in seconds.
        username: defaults to the kiosk id (with TLS the broker takes it from the cert).
        password: empty = none.
        ca_file: CA bundle that signed the broker's certificate (``mqtts://``); None = the
            system's CAs.
        cert_file: the kiosk's client certificate (PEM; its CN is the kiosk id).
        key_file: the private key of ``cert_file`` (PEM).
        command_rate_per_min: commands accepted per minute per action; the key
            ``default`` applies to actions not named.
        command_ctr_window: a signed command whose ``ctr`` is more than this above the
            kiosk's clock in milliseconds is refused (``ctr_jump``), never adopted.
    """

    broker: str
    keepalive_s: int
    username: str
    password: str
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    command_rate_per_min: Mapping[str, int] = field(default_factory=dict)
    command_ctr_window: int = 1_000_000


@dataclass(frozen=True)
class UiConfig:
    """Screen timings and languages."""

    languages: tuple[str, ...]
    inactivity_s: float
    take_ticket_s: float
    fullscreen: bool


@dataclass(frozen=True)
class CheckInWindow:
    """How long before and after a booking's slot start check-in is open (minutes)."""

    before_min: int
    after_min: int


@dataclass(frozen=True)
class CheckInConfig:
    """Booking check-in at the entrance scanner (``[checkin]``).

    Attributes:
        window: the default check-in window around the slot start.
        service_windows: per-service windows, by service id.
        dedupe_s: the same booking scanned again within this many seconds of its acceptance
            is the same scan (scanners repeat; people hold the phone twice).
        print_slip: print a small check-in slip after an accepted check-in.
        screen_s: seconds a check-in result stays on screen.
        office_names: names of other offices by office code, for "this booking is for …".
    """

    window: CheckInWindow = CheckInWindow(30, 15)
    service_windows: Mapping[str, CheckInWindow] = field(default_factory=dict)
    dedupe_s: float = 5.0
    print_slip: bool = False
    screen_s: float = 8.0
    office_names: Mapping[str, LocalText] = field(default_factory=dict)

    def window_for(self, service_id: str) -> CheckInWindow:
        """The check-in window of a service (its own, else the default)."""
        return self.service_windows.get(service_id, self.window)


@dataclass(frozen=True)
class TrustConfig:
    """The public keys the kiosk trusts, one list per purpose (``[trust]``, kiosk.core.trust).

    Attributes:
        lists: purpose -> ``kid`` -> key. A key appears under one purpose only.
        issued: when the central server issued these lists (None: unknown).
        max_age_days: lists older than this are reported as degraded health.
    """

    lists: Mapping[KeyPurpose, Mapping[str, TrustedKey]] = field(default_factory=dict)
    issued: datetime | None = None
    max_age_days: float = 30.0

    def keys(self, purpose: KeyPurpose) -> Mapping[str, TrustedKey]:
        """The keys of one purpose (empty when none are configured)."""
        return self.lists.get(purpose, {})


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
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            # NOTE: TOML and JSON readers accept whole numbers of any size; float() of one
            # raises OverflowError, which must not escape as a traceback.
            raise self.fail(name, f"{str(value)[:20]}…", "is far out of range (more than 64 bits)")
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

    def device_url(
        self, name: str, default: str, *, device: str, default_port: int | None = None
    ) -> str:
        """A device URL (DESIGN §3), checked with the parameters ``device`` reads.

        An empty text means "none fitted".
        """
        url = self.text(name, default)
        if url:
            try:
                check_device_url(parse_device_url(url, default_port=default_port), device)
            except DeviceUrlError as exc:
                raise self.fail(name, url, str(exc)) from None
        return url

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


def _photo_mount(mt: _Reader) -> PhotoMountConfig:
    """``[photo.mount]``: the camera mount's pins and mechanics."""
    pins: dict[str, int | None] = {}
    for name, default in (("step_pin", 20), ("dir_pin", 21), ("enable_pin", 16), ("limit_pin", 26)):
        pins[name] = int(mt.number(name, default, low=0, high=27))
    # NOTE: TOML has no null: stall_pin = "none" says the board's DIAG output is not wired.
    if mt.raw("stall_pin", 19) == "none":
        pins["stall_pin"] = None
    else:
        pins["stall_pin"] = int(mt.number("stall_pin", 19, low=0, high=27))
    seen: dict[int, str] = {}
    for name, pin in pins.items():
        if pin is not None and pin in seen:
            raise mt.fail(name, pin, f"GPIO{pin} is already {mt.key(seen[pin])}")
        if pin is not None:
            seen[pin] = name
    travel = mt.number("travel_mm", 400, low=50, high=2000)
    config = PhotoMountConfig(
        enabled=mt.typed("enabled", bool, False),
        settings=CameraMountSettings(
            step_pin=int(pins["step_pin"] or 0),
            dir_pin=int(pins["dir_pin"] or 0),
            enable_pin=int(pins["enable_pin"] or 0),
            limit_pin=int(pins["limit_pin"] or 0),
            stall_pin=pins["stall_pin"],
            steps_per_mm=mt.number("steps_per_mm", 25, low=1, high=2000),
            travel_mm=travel,
            max_speed_mm_s=mt.number("max_speed_mm_s", 40, low=5, high=200),
            default_mm=mt.number("default_mm", 250, low=10, high=travel - 10),
        ),
        px_per_mm=mt.number("px_per_mm", 1.4, low=0.1, high=20),
    )
    mt.check_unknown()
    return config


def _existing_file(reader: _Reader, name: str, base_dir: Path | None) -> Path | None:
    """An optional file path (relative to the config file's folder) that must exist."""
    text = reader.text(name, "")
    if not text:
        return None
    path = Path(text)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        raise reader.fail(name, text, f"file {path} does not exist")
    return path


def certificate_common_name(path: Path) -> str:
    """The subject CN of a PEM certificate (the kiosk id, for a kiosk's client certificate).

    Raises:
        ConfigError: the file is not a PEM certificate or has no CN.
    """
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError("mqtt.cert_file", str(path), f"is not a PEM certificate: {exc}") from None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        raise ConfigError("mqtt.cert_file", str(path), "the certificate has no CN")
    value = names[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


KID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
MAX_FORMAT_WIDTH = 9
"""The widest field a ticket template may ask for (``{number:03d}``; not 400,000,000)."""


def _trust(reader: _Reader, *, demo: bool) -> TrustConfig:
    """``[trust]``: one table of keys per purpose, plus when the lists were issued.

    A key is ``kid = "base64url"`` or ``kid = { key = "base64url", until = "RFC 3339" }``
    (a retiring key, trusted until then: the rotation's overlap window).
    """
    lists: dict[KeyPurpose, dict[str, TrustedKey]] = {}
    for purpose in KeyPurpose:
        table = reader.sub(purpose.value, required=False)
        keys: dict[str, TrustedKey] = {}
        for kid in list(table.table):
            raw = table.raw(kid)
            if not KID_RE.fullmatch(kid):
                raise table.fail(
                    kid, raw, "a key id may hold only A-Z, a-z, 0-9, '.', '_', ':', '-'"
                )
            if isinstance(raw, str):
                key = TrustedKey(kid, raw.strip())
            elif isinstance(raw, Mapping):
                entry = table.sub(kid)
                until = _rfc3339(entry, "until", required=True)
                key = TrustedKey(kid, entry.text("key").strip(), until)
                entry.check_unknown()
            else:
                raise table.fail(kid, raw, 'must be "base64url key" or { key = "…", until = "…" }')
            try:
                check_key(key, purpose, allow_demo=demo)
            except TrustError as exc:
                raise table.fail(kid, raw, str(exc)) from None
            keys[kid] = key
        table.check_unknown()
        if keys:
            lists[purpose] = keys
    try:
        check_one_purpose(lists)
    except TrustError as exc:
        raise reader.fail("", "…", str(exc)) from None
    result = TrustConfig(
        lists=lists,
        issued=_rfc3339(reader, "issued", required=False),
        max_age_days=reader.number("max_age_days", 30, low=1, high=3650),
    )
    reader.check_unknown()
    return result


def _rfc3339(reader: _Reader, name: str, *, required: bool) -> datetime | None:
    text = reader.text(name, ... if required else "")
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise reader.fail(name, text, "must be an RFC 3339 time with an offset") from None
    if value.tzinfo is None:
        raise reader.fail(name, text, "must be an RFC 3339 time with an offset")
    return value


def _template(
    reader: _Reader, name: str, default: str, fields: tuple[str, ...], *, widths: bool = False
) -> str:
    """A ``str.format`` template using only ``fields``, no conversions, tiny widths at most.

    NOTE: a template comes from the file or from the server's desired config; a format
    spec such as ``{office:>400000000}`` would allocate 400 MB on every ticket.
    """
    template = reader.text(name, default)
    if len(template) > 512:
        raise reader.fail(name, template, "is longer than 512 characters")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise reader.fail(name, template, f"is not a valid template: {exc}") from None
    allowed = ", ".join("{" + f + "}" for f in fields)
    for _literal, field_name, spec, conversion in parts:
        if field_name is None:
            continue
        if field_name not in fields:
            raise reader.fail(name, template, f"may use only {allowed}, not {{{field_name}}}")
        if conversion or (spec and not widths):
            raise reader.fail(name, template, f"{{{field_name}}} may not have a format spec")
        if spec and not re.fullmatch(r"0?[1-9]?d?", spec):
            raise reader.fail(
                name, template, f"{{{field_name}:{spec}}}: only a width up to {MAX_FORMAT_WIDTH}"
            )
    return template


def _status_url(tk: _Reader) -> tuple[str, tuple[str, ...]]:
    """``[tickets] status_url`` and ``status_hosts``: https only, on an allowed host."""
    fields = ("office", "ticket_id", "number", "service")
    url = _template(tk, "status_url", "https://queue.example.jp/{office}/{ticket_id}", fields)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host or "{" in parts.netloc or parts.username:
        raise tk.fail(
            "status_url", url, "must be https://host/… with a fixed host (the QR opens on phones)"
        )
    hosts_raw = tk.typed("status_hosts", list, [host])
    if not hosts_raw or not all(isinstance(h, str) and h for h in hosts_raw):
        raise tk.fail("status_hosts", hosts_raw, "must list host names")
    hosts = tuple(h.lower() for h in hosts_raw)
    if host not in hosts:
        raise tk.fail("status_url", url, f"host {host!r} is not in status_hosts {list(hosts)}")
    return url, hosts


def _rates(reader: _Reader) -> dict[str, int]:
    """``[mqtt.command_rate_per_min]``: ``"action" = N`` (``default`` for the others)."""
    rates: dict[str, int] = {}
    for action in list(reader.table):
        value = reader.number(action, low=0, high=600)
        if value != int(value):
            raise reader.fail(action, value, "must be a whole number of commands per minute")
        rates[action] = int(value)
    return rates


def _staff_pins(reader: _Reader, name: str = "staff_pins", who: str = "staff") -> dict[str, str]:
    """``[handover] staff_pins`` (or ``[diagnostics] technician_pins``): number -> PIN
    verifier; a PIN in clear is refused."""
    from kiosk.core.handover.pins import PinVerifier, PinVerifierError, normalize_pin

    table = reader.raw(name, {})
    if not isinstance(table, Mapping):
        raise reader.fail(name, table, 'must be a table like { "1024" = "scrypt$…" }')
    how = "make one with `kiosk pin-verifier` and put that here"
    pins: dict[str, str] = {}
    for staff_id, verifier in table.items():
        key = f"{name}.{staff_id}"
        if not re.fullmatch(r"[0-9]{1,10}", str(staff_id)):
            raise reader.fail(key, "…", f"a {who} number is 1 to 10 digits (the keypad has digits)")
        if not isinstance(verifier, str):
            raise reader.fail(key, "…", f"must be a PIN verifier text: {how}")
        if normalize_pin(verifier) is not None:
            # NOTE: the value is never echoed: it is somebody's PIN.
            raise reader.fail(key, "…", f"is a PIN in clear; never write a PIN here: {how}")
        try:
            PinVerifier.parse(verifier)
        except PinVerifierError as exc:
            # NOTE: the parser's message quotes the text; only when it looks like a verifier.
            why = f" ({exc})" if verifier.startswith("scrypt$") else ""
            raise reader.fail(key, "…", f"is not a PIN verifier{why}: {how}") from None
        pins[str(staff_id)] = verifier
    return pins


def _door_range(reader: _Reader, key: str, text: object) -> range:
    """Doors written as ``"12"`` or ``"1-40"``."""
    if not isinstance(text, str):
        raise reader.fail(key, text, 'must be a door range text like "1-40"')
    first, _, last = text.partition("-")
    try:
        low, high = int(first), int(last or first)
    except ValueError:
        raise reader.fail(key, text, 'must be a door range like "1-40"') from None
    if not 1 <= low <= high <= 160:
        raise reader.fail(key, text, "doors are numbered 1 to 160 (10 boards of 16)")
    return range(low, high + 1)


def _opening_hours(reader: _Reader) -> OpeningHours:
    """``[kiosk.opening_hours]``: ``mon = "08:30-17:15"`` … (kiosk.core.office_hours)."""
    table: dict[str, str] = {}
    for day in list(reader.table):
        text = reader.text(day)
        try:
            OpeningHours.from_table({day: text})
        except OpeningHoursError as exc:
            raise reader.fail(day, text, str(exc)) from None
        table[day] = text
    return OpeningHours.from_table(table)


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
    """
    top = _Reader(data, "", source)
    kiosk = top.sub("kiosk")
    ui = top.sub("ui", required=False)
    installed = available_languages()
    # NOTE: without the key, every language whose catalogue is installed (in the chooser's
    # order); a catalogue added later is picked up with no config change.
    languages = tuple(ui.typed("languages", list, list(installed)))
    if not languages or any(lang not in installed for lang in languages):
        raise ui.fail("languages", list(languages), f"must list languages from {installed}")

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
    opening_hours = _opening_hours(kiosk.sub("opening_hours", required=False))
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
    number_format = _template(
        tk, "number_format", "{prefix}-{number:03d}", ("prefix", "number"), widths=True
    )
    status_url, status_hosts = _status_url(tk)
    tk.check_unknown()

    pr = top.sub("printer", required=False)
    printer_url = pr.device_url("url", "sim://", device="printer", default_port=9100)
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
        roll_length_m=pr.number("roll_length_m", 80, low=1, high=1000),
        paper_low_m=pr.number("paper_low_m", 8, low=0, high=1000),
        paper_low_tickets=int(pr.number("paper_low_tickets", 0, low=0, high=100_000)),
    )
    if printer.paper_low_m >= printer.roll_length_m:
        raise pr.fail(
            "paper_low_m",
            printer.paper_low_m,
            f"must be below roll_length_m ({printer.roll_length_m:g})",
        )
    pr.check_unknown()

    sc = top.sub("scanner", required=False)
    scanner_url = sc.device_url("url", "", device="scanner")
    suffix = sc.text("suffix", "cr")
    if suffix not in ("cr", "crlf", "lf", "none"):
        raise sc.fail("suffix", suffix, "must be 'cr', 'crlf', 'lf' or 'none'")
    scanner = ScannerConfig(
        url=scanner_url,
        suffix=suffix,
        repeat_window_s=sc.number("repeat_window_s", 1.5, low=0, high=30),
    )
    sc.check_unknown()

    lk = top.sub("locker", required=False)
    locker_url = lk.device_url("url", "", device="locker")
    locked_bit = int(lk.number("locked_bit", 1, low=0, high=1))
    locker = LockerConfig(
        url=locker_url,
        boards=int(lk.number("boards", 1, low=1, high=10)),
        locks_per_board=int(lk.number("locks_per_board", 16, low=1, high=16)),
        pulse_ms=int(lk.number("pulse_ms", 500, low=100, high=5000)),
        locked_bit=locked_bit,
        reply_timeout_s=lk.number("reply_timeout_s", 0.25, low=0.02, high=5),
    )
    lk.check_unknown()

    ph = top.sub("photo", required=False)
    camera_url = ph.device_url("camera_url", "", device="camera")
    photo_rules = ph.text("rules", "jp-passport")
    if photo_rules not in ("jp-passport", "icao"):
        raise ph.fail("rules", photo_rules, "must be 'jp-passport' or 'icao'")
    photo = PhotoConfig(
        enabled=ph.typed("enabled", bool, False),
        camera_url=camera_url,
        rules=photo_rules,
        receipt_qr=_template(ph, "receipt_qr", "{code}", ("code",)),
        preview_fps=ph.number("preview_fps", 10, low=1, high=30),
        hold_ok_s=ph.number("hold_ok_s", 1.0, low=0, high=10),
        countdown_from=int(ph.number("countdown_from", 3, low=1, high=10)),
        no_face_timeout_s=ph.number("no_face_timeout_s", 60, low=5, high=600),
        keep_days=int(ph.number("keep_days", 30, low=0, high=3650)),
        mount=_photo_mount(ph.sub("mount", required=False)),
    )
    if photo.enabled and not camera_url:
        raise ph.fail("camera_url", camera_url, "is needed when the photo booth is enabled")
    ph.check_unknown()

    ho = top.sub("handover", required=False)
    compartments: dict[int, str] = {}
    sizes = ho.raw("compartments", {})
    if not isinstance(sizes, Mapping):
        raise ho.fail("compartments", sizes, 'must be a table like {M = "1-40", L = "41-46"}')
    for size, doors_text in sizes.items():
        if size not in ("S", "M", "L"):
            raise ho.fail(f"compartments.{size}", doors_text, "size must be S, M or L")
        for door in _door_range(ho, f"compartments.{size}", doors_text):
            if door in compartments:
                raise ho.fail(f"compartments.{size}", doors_text, f"door {door} is listed twice")
            compartments[door] = size
    return_raw = ho.typed("return_doors", list, [])
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in return_raw):
        raise ho.fail("return_doors", return_raw, "must list door numbers from 1")
    if set(return_raw) & set(compartments):
        raise ho.fail("return_doors", return_raw, "a return door cannot also hold cases")
    return_mode = ho.text("return_mode", "hold")
    if return_mode not in ("hold", "punch"):
        raise ho.fail("return_mode", return_mode, "must be 'hold' or 'punch'")
    slot_raw = ho.raw("slot", None)
    slot_pins: tuple[int, int, int] | None = None
    if slot_raw is not None:
        names = ("flap_pin", "punch_pin", "sensor_pin")
        if not isinstance(slot_raw, Mapping) or set(slot_raw) != set(names):
            raise ho.fail("slot", slot_raw, "must be {flap_pin = N, punch_pin = N, sensor_pin = N}")
        pins = [slot_raw[n] for n in names]
        if not all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 27 for p in pins):
            raise ho.fail("slot", slot_raw, "GPIO pins are BCM numbers 0 to 27")
        slot_pins = (pins[0], pins[1], pins[2])
    if return_mode == "punch" and slot_pins is None:
        raise ho.fail("slot", None, 'return_mode = "punch" needs the slot\'s GPIO pins')
    handover = HandoverConfig(
        slot_pins=slot_pins,
        compartments=compartments,
        return_doors=tuple(return_raw),
        return_mode=return_mode,
        pin_attempts_per_case=int(ho.number("pin_attempts_per_case", 3, low=1, high=10)),
        pin_budget=int(ho.number("pin_budget", 10, low=1, high=1000)),
        staff_pins=_staff_pins(ho),
    )
    ho.check_unknown()

    mq = top.sub("mqtt", required=False)
    broker = mq.text("broker", "")
    if broker and not re.fullmatch(r"mqtts?://[^/\s:]+(:\d{1,5})?/?", broker):
        raise mq.fail("broker", broker, "must look like mqtt://host:1883 or mqtts://host:8883")
    broker_port = re.search(r":(\d+)/?$", broker)
    if broker_port and not 1 <= int(broker_port.group(1)) <= 65535:
        raise mq.fail("broker", broker, f"port {broker_port.group(1)} is not 1 to 65535")
    ca_file, cert_file, key_file = (
        _existing_file(mq, name, base_dir) for name in ("ca_file", "cert_file", "key_file")
    )
    if (cert_file is None) != (key_file is None):
        raise mq.fail(
            "cert_file" if cert_file is None else "key_file",
            "",
            "cert_file and key_file go together (the kiosk's client certificate and its key)",
        )
    tls_file = next((f for f in (ca_file, cert_file) if f is not None), None)
    if tls_file is not None and not broker.startswith("mqtts://"):
        raise mq.fail("broker", broker, "TLS files are set: the broker must be mqtts://host:8883")
    if cert_file is not None:
        common_name = certificate_common_name(cert_file)
        if common_name != kiosk_id:
            raise mq.fail(
                "cert_file",
                str(cert_file),
                f"certificate CN is {common_name!r} but the kiosk id is {kiosk_id!r}; "
                "the broker takes the user name from the CN (DESIGN §5): they must be equal",
            )
    _moved(mq, "command_keys", "[trust.commands]")
    mqtt = MqttConfig(
        broker=broker,
        keepalive_s=int(mq.number("keepalive_s", 30, low=5, high=600)),
        username=mq.text("username", ""),
        password=mq.text("password", ""),
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
        command_rate_per_min=_rates(mq.sub("command_rate_per_min", required=False)),
        command_ctr_window=int(mq.number("command_ctr_window", 1_000_000, low=1000, high=1e10)),
    )
    mq.check_unknown()

    ui_cfg = UiConfig(
        languages=languages,
        inactivity_s=ui.number("inactivity_s", 30, low=5, high=600),
        take_ticket_s=ui.number("take_ticket_s", 8, low=2, high=120),
        fullscreen=ui.typed("fullscreen", bool, True),
    )
    ui.check_unknown()
    checkin = _parse_checkin(top.sub("checkin", required=False), services, languages)
    trust = _trust(top.sub("trust", required=False), demo=demo)
    dg = top.sub("diagnostics", required=False)
    diagnostics = DiagnosticsConfig(
        technician_pins=_staff_pins(dg, "technician_pins", "technician"),
        inactivity_s=dg.number("inactivity_s", 120, low=10, high=3600),
        pin_budget=int(dg.number("pin_budget", 5, low=1, high=100)),
        pin_budget_window_s=dg.number("pin_budget_window_s", 3600, low=60, high=86400),
    )
    dg.check_unknown()
    accessibility = _accessibility(top.sub("accessibility", required=False), services)
    top.check_unknown()
    return KioskConfig(
        kiosk_id=kiosk_id,
        office=office,
        office_name=office_name,
        opening_hours=opening_hours,
        timezone=timezone,
        state_dir=state_dir,
        services=tuple(services),
        tickets=TicketConfig(reset_time, number_format, status_url, status_hosts),
        printer=printer,
        scanner=scanner,
        locker=locker,
        photo=photo,
        handover=handover,
        mqtt=mqtt,
        ui=ui_cfg,
        checkin=checkin,
        trust=trust,
        diagnostics=diagnostics,
        accessibility=accessibility,
        source=source,
        demo=demo,
    )


_VOICE_ENGINES = ("espeak-ng", "none", "record")  # kiosk.devices.speech.factory.ENGINES
_BCM_PINS = range(2, 28)  # the Raspberry Pi header's GPIO 2-27


def _accessibility(ac: _Reader, services: list[ServiceConfig]) -> AccessibilityConfig:
    """The ``[accessibility]`` table and its ``buttons`` (every key optional)."""
    voice = ac.text("voice", "none")
    if voice not in _VOICE_ENGINES:
        raise ac.fail("voice", voice, f"must be one of {', '.join(_VOICE_ENGINES)}")
    rate = int(ac.typed("voice_rate_wpm", int, 140))
    if not 80 <= rate <= 450:
        raise ac.fail("voice_rate_wpm", rate, "must be between 80 and 450")
    bt = ac.sub("buttons", required=False)
    seen: dict[int, str] = {}

    def pin(name: str, value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value not in _BCM_PINS:
            raise bt.fail(name, value, "must be a GPIO (BCM) pin number from 2 to 27")
        if value in seen:
            raise bt.fail(name, value, f"pin {value} is already used by {seen[value]}")
        seen[value] = bt.key(name)
        return value

    call = bt.raw("call_staff", None)
    lamp = bt.raw("call_staff_lamp", None)
    call_pin = None if call is None else pin("call_staff", call)
    lamp_pin = None if lamp is None else pin("call_staff_lamp", lamp)
    if lamp_pin is not None and call_pin is None:
        raise bt.fail("call_staff_lamp", lamp_pin, "needs accessibility.buttons.call_staff")
    known = {service.id for service in services}
    table = bt.sub("services", required=False)
    service_pins: dict[int, str] = {}
    for key in table.table:
        table.used.add(key)
        service = table.table[key]
        if not str(key).isdigit():
            raise table.fail(key, service, "the key must be a GPIO (BCM) pin number")
        if service not in known:
            raise table.fail(key, service, f"no service with this id ({', '.join(sorted(known))})")
        service_pins[pin(f"services.{key}", int(key))] = str(service)
    bt.check_unknown()
    ac.check_unknown()
    return AccessibilityConfig(voice, rate, call_pin, lamp_pin, service_pins)


def _parse_checkin(
    ck: _Reader, services: list[ServiceConfig], languages: tuple[str, ...]
) -> CheckInConfig:
    """The ``[checkin]`` table (every key optional)."""
    for old in ("trusted_keys", "trust_list_issued", "trust_max_age_days"):
        _moved(ck, old, "[trust.booking]" if old == "trusted_keys" else "[trust]")
    default_window = CheckInWindow(
        int(ck.number("window_before_min", 30, low=0, high=24 * 60)),
        int(ck.number("window_after_min", 15, low=0, high=24 * 60)),
    )
    windows_reader = ck.sub("service_windows", required=False)
    service_windows: dict[str, CheckInWindow] = {}
    known = {s.id for s in services}
    for sid in list(windows_reader.table):
        if sid not in known:
            raise windows_reader.fail(sid, windows_reader.table[sid], "is not a service id")
        entry = windows_reader.sub(sid)
        service_windows[sid] = CheckInWindow(
            int(entry.number("before_min", default_window.before_min, low=0, high=24 * 60)),
            int(entry.number("after_min", default_window.after_min, low=0, high=24 * 60)),
        )
        entry.check_unknown()
    names_reader = ck.sub("office_names", required=False)
    office_names = {
        str(code): names_reader.local_text(str(code), languages)
        for code in list(names_reader.table)
    }
    result = CheckInConfig(
        window=default_window,
        service_windows=service_windows,
        dedupe_s=ck.number("dedupe_s", 5, low=0, high=600),
        print_slip=ck.typed("print_slip", bool, False),
        screen_s=ck.number("screen_s", 8, low=2, high=120),
        office_names=office_names,
    )
    ck.check_unknown()
    return result


def _moved(reader: _Reader, name: str, where: str) -> None:
    """Refuse a key that moved, saying where it lives now."""
    if name in reader.table:
        raise reader.fail(
            name, reader.table[name], f"has moved to {where} (one key list per purpose)"
        )
