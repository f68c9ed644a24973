"""From a device URL to its transport (:func:`open_transport`); the serial line's URL parameters."""

from __future__ import annotations

from urllib.parse import urlencode

from kiosk.devices.transport.base import Transport
from kiosk.devices.transport.file import FileTransport
from kiosk.devices.transport.serial_line import SerialTransport
from kiosk.devices.transport.tcp import TcpTransport
from kiosk.devices.transport.usb import UsbTransport
from kiosk.devices.url import DeviceUrl
from kiosk.errors import DeviceUrlError

# Query parameters of a device URL that configure the serial line (the rest of the query is
# handed to pyserial for its own schemes, for example ``socket://host:7000?logging=debug``).
SERIAL_LINE_PARAMS = frozenset(
    {"baudrate", "bytesize", "parity", "stopbits", "rtscts", "xonxoff", "dsrdtr", "timeout"}
)
_PARITIES = frozenset({"N", "E", "O", "M", "S"})
_STOPBITS = {"1": 1.0, "1.5": 1.5, "2": 2.0}


def _serial_transport(url: DeviceUrl, timeout: float) -> SerialTransport:
    if url.scheme == "serial":
        port = url.path
    else:
        # Hand pyserial its own URL, rebuilt from the parsed parts (the default port filled
        # in) with only the parameters that are not ours.
        netloc = f"{url.host}:{url.port}" if url.port is not None else url.host
        rest = url.path[len(url.host) :] if url.port is None else ""
        extra = {k: v for k, v in url.params.items() if k not in SERIAL_LINE_PARAMS}
        port = f"{url.scheme}://{netloc}{rest}" + (f"?{urlencode(extra)}" if extra else "")
    parity = url.params.get("parity", "N").upper()
    if parity not in _PARITIES:
        raise DeviceUrlError(f"{url.raw}: parameter parity={parity!r} is not one of N, E, O, M, S")
    stopbits_text = url.params.get("stopbits", "1")
    if stopbits_text not in _STOPBITS:
        raise DeviceUrlError(f"{url.raw}: parameter stopbits={stopbits_text!r} is not 1, 1.5 or 2")
    baudrate = url.param_int("baudrate", 9600)
    if baudrate <= 0:
        raise DeviceUrlError(f"{url.raw}: parameter baudrate={baudrate} must be positive")
    bytesize = url.param_int("bytesize", 8)
    if bytesize not in (5, 6, 7, 8):
        raise DeviceUrlError(f"{url.raw}: parameter bytesize={bytesize} is not 5, 6, 7 or 8")
    return SerialTransport(
        port,
        baudrate=baudrate,
        bytesize=bytesize,
        parity=parity,
        stopbits=_STOPBITS[stopbits_text],
        rtscts=url.param_bool("rtscts", False),
        xonxoff=url.param_bool("xonxoff", False),
        dsrdtr=url.param_bool("dsrdtr", False),
        write_timeout=url.param_float("timeout", timeout),
        url=url.raw,
    )


def open_transport(url: DeviceUrl, *, timeout: float) -> Transport:
    """Build the transport a device URL names; the connection opens on the first write.

    Args:
        url: a parsed device URL (``tcp``, ``serial`` or a pyserial scheme, ``file``, ``usb``).
        timeout: connect and write timeout in seconds (``?timeout=`` in the URL overrides it).

    Returns:
        The transport, not yet connected.

    Raises:
        DeviceUrlError: the scheme cannot carry bytes (``sim://``, ``camera://``…) or a
            parameter is invalid.
    """
    timeout = url.param_float("timeout", timeout)
    if timeout <= 0:
        raise DeviceUrlError(f"{url.raw}: timeout must be positive, got {timeout:g}")
    if url.scheme == "tcp":
        if url.port is None:
            raise DeviceUrlError(f"{url.raw}: missing port; expected tcp://HOST:PORT")
        return TcpTransport(url.host, url.port, connect_timeout=timeout, url=url.raw)
    if url.is_pyserial:
        return _serial_transport(url, timeout)
    if url.scheme == "file":
        return FileTransport(url.path, url=url.raw)
    if url.scheme == "usb":
        vendor, product = url.usb_ids()
        return UsbTransport(
            vendor,
            product,
            interface=url.param_int("interface", 0),
            write_timeout=timeout,
            url=url.raw,
        )
    if url.is_simulated:
        raise DeviceUrlError(
            f"{url.raw}: sim:// names a simulator the application starts; resolve it to the "
            "simulator's tcp:// address before opening a transport"
        )
    raise DeviceUrlError(f"{url.raw}: scheme {url.scheme!r} does not carry a byte stream")
