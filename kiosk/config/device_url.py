"""Device URLs in the config (DESIGN §3): checked with the parameters the device reads."""

from __future__ import annotations

from kiosk.config.schema import Table
from kiosk.devices.url import check_device_url, parse_device_url
from kiosk.errors import DeviceUrlError


def device_url(
    table: Table, name: str, url: str, *, device: str, default_port: int | None = None
) -> str:
    """A device URL, checked with the parameters ``device`` reads; empty = none fitted.

    Raises:
        ConfigError: not a device URL, or a scheme or parameter the device does not take.
    """
    if url:
        try:
            check_device_url(parse_device_url(url, default_port=default_port), device)
        except DeviceUrlError as exc:
            table.fail(name, url, str(exc))
    return url
