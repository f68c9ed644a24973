"""``[mqtt]``: the link to the central server (broker, TLS files, command limits)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from msgspec import Meta
from msgspec import field as schema_field

from kiosk.config.schema import Section, Table, convert
from kiosk.errors import ConfigError


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


class _MqttTable(Section):
    broker: str = ""
    keepalive_s: Annotated[int, Meta(ge=5, le=600)] = 30
    username: str = ""
    password: str = ""
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    command_rate_per_min: dict[str, Any] = schema_field(default_factory=dict)
    command_ctr_window: Annotated[int, Meta(ge=1000, le=10_000_000_000)] = 1_000_000
    # Moved to [trust.commands]: refused with where it lives now.
    command_keys: Any = None


def parse_mqtt(table: Table, kiosk_id: str, base_dir: Path | None) -> MqttConfig:
    """``[mqtt]``: a broker URL, TLS files that exist and go together, a cert for this kiosk."""
    if "command_keys" in table.data:
        table.fail(
            "command_keys",
            table.data["command_keys"],
            "has moved to [trust.commands] (one key list per purpose)",
        )
    section = convert(table, _MqttTable)
    broker = section.broker
    if broker and not re.fullmatch(r"mqtts?://[^/\s:]+(:\d{1,5})?/?", broker):
        table.fail("broker", broker, "must look like mqtt://host:1883 or mqtts://host:8883")
    broker_port = re.search(r":(\d+)/?$", broker)
    if broker_port and not 1 <= int(broker_port.group(1)) <= 65535:
        table.fail("broker", broker, f"port {broker_port.group(1)} is not 1 to 65535")
    ca_file = _existing_file(table, "ca_file", section.ca_file, base_dir)
    cert_file = _existing_file(table, "cert_file", section.cert_file, base_dir)
    key_file = _existing_file(table, "key_file", section.key_file, base_dir)
    if (cert_file is None) != (key_file is None):
        table.fail(
            "cert_file" if cert_file is None else "key_file",
            "",
            "cert_file and key_file go together (the kiosk's client certificate and its key)",
        )
    tls_file = next((f for f in (ca_file, cert_file) if f is not None), None)
    if tls_file is not None and not broker.startswith("mqtts://"):
        table.fail("broker", broker, "TLS files are set: the broker must be mqtts://host:8883")
    if cert_file is not None:
        common_name = certificate_common_name(cert_file)
        if common_name != kiosk_id:
            table.fail(
                "cert_file",
                str(cert_file),
                f"certificate CN is {common_name!r} but the kiosk id is {kiosk_id!r}; "
                "the broker takes the user name from the CN (DESIGN §5): they must be equal",
            )
    return MqttConfig(
        broker=broker,
        keepalive_s=section.keepalive_s,
        username=section.username,
        password=section.password,
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
        command_rate_per_min=_rates(table.sub("command_rate_per_min")),
        command_ctr_window=section.command_ctr_window,
    )


def _existing_file(table: Table, name: str, text: str, base_dir: Path | None) -> Path | None:
    """An optional file path (relative to the config file's folder) that must exist."""
    if not text:
        return None
    path = Path(text)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        table.fail(name, text, f"file {path} does not exist")
    return path


def _rates(table: Table) -> dict[str, int]:
    """``[mqtt.command_rate_per_min]``: ``"action" = N`` (``default`` for the others)."""
    rates: dict[str, int] = {}
    for action, value in table.data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            table.fail(action, value, "must be a number")
        if not 0 <= value <= 600:
            table.fail(action, value, "must be between 0 and 600")
        if value != int(value):
            table.fail(action, value, "must be a whole number of commands per minute")
        rates[action] = int(value)
    return rates


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
