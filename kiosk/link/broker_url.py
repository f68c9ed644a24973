"""Broker addresses: ``mqtt://host:port`` (default 1883) and ``mqtts://host:port`` (8883)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from kiosk.errors import LinkError

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


class BrokerUrlError(LinkError, ValueError):
    """Raised when a broker URL cannot be parsed or names an unsupported scheme."""


@dataclass(frozen=True)
class BrokerUrl:
    """A parsed broker address.

    Attributes:
        scheme: ``mqtt`` (plain TCP) or ``mqtts`` (TLS).
        host: host name or IP address (an IPv6 address without brackets).
        port: TCP port.
    """

    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        """True for ``mqtts://``."""
        return self.scheme == "mqtts"

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_broker_url(url: str) -> BrokerUrl:
    """Parse ``mqtt://host[:port]`` or ``mqtts://host[:port]`` (a trailing ``/`` is allowed).

    Raises:
        BrokerUrlError: empty text, another scheme, no host, a port outside 1-65535, or a
            path, query, fragment or user name in the URL (credentials belong in ``[mqtt]``).
    """
    text = url.strip() if isinstance(url, str) else ""
    if not text:
        raise BrokerUrlError(
            f"broker URL {url!r} is empty; use mqtt://host:1883 or mqtts://host:8883 "
            "(an empty [mqtt] broker means: no central server)"
        )
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BrokerUrlError(f"broker URL {url!r} cannot be parsed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BrokerUrlError(
            f"broker URL {url!r} has scheme {parts.scheme!r}; only mqtt:// and mqtts:// work"
        )
    if parts.username is not None or parts.password is not None:
        raise BrokerUrlError(
            f"broker URL {scheme}://…@{parts.hostname} holds credentials; "
            "put them in the [mqtt] username and password keys"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BrokerUrlError(f"broker URL {url!r} may not have a path, query or fragment")
    host = parts.hostname or ""
    if not host:
        raise BrokerUrlError(f"broker URL {url!r} has no host")
    if port is None:
        if parts.netloc.endswith(":"):
            raise BrokerUrlError(f"broker URL {url!r} has an empty port")
        port = DEFAULT_PORTS[scheme]
    if not 1 <= port <= 65535:
        raise BrokerUrlError(f"broker URL {url!r} has port {port}; it must be 1 to 65535")
    return BrokerUrl(scheme, host, port)


__all__ = ["DEFAULT_PORTS", "BrokerUrl", "BrokerUrlError", "parse_broker_url"]
