"""USB printer class devices through pyusb (:class:`UsbTransport`)."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from kiosk.devices.transport.base import TransportTimeoutError
from kiosk.errors import TransportError

logger = logging.getLogger(__name__)


class UsbTransport:
    """A USB printer class device through pyusb (optional dependency: the ``usb`` extra).

    Uses the first bulk OUT and bulk IN endpoints of ``interface`` (default 0), detaching the
    kernel's ``usblp`` driver if it holds the interface. pyusb is imported only when the device
    is opened, so kiosks without USB printers need neither pyusb nor libusb.
    """

    can_read = True
    connection_count = 0

    def __init__(
        self,
        vendor: int,
        product: int,
        *,
        interface: int = 0,
        write_timeout: float = 3.0,
        url: str | None = None,
    ) -> None:
        """Create the transport without opening the device.

        Args:
            vendor: USB vendor id.
            product: USB product id.
            interface: interface number holding the bulk endpoints.
            write_timeout: seconds a write may take.
            url: the device URL for messages.
        """
        self.vendor = vendor
        self.product = product
        self.interface = interface
        self.write_timeout = write_timeout
        self._url = url or f"usb://{vendor:04x}:{product:04x}"
        self._device: Any = None
        self._out: Any = None
        self._in: Any = None
        self._pending = bytearray()

    def _open_device(self) -> None:
        if self._device is not None:
            return
        try:
            import usb.core
            import usb.util
        except ImportError:
            raise TransportError(
                f"{self._url}: pyusb is not installed; install the 'usb' extra (pyusb + libusb)"
            ) from None
        try:
            device = usb.core.find(idVendor=self.vendor, idProduct=self.product)
        except usb.core.NoBackendError:
            raise TransportError(
                f"{self._url}: no libusb back-end found for pyusb; install libusb-1.0"
            ) from None
        if device is None:
            raise TransportError(
                f"{self._url}: no USB device with vendor {self.vendor:04x} product "
                f"{self.product:04x} is connected"
            )
        try:
            if device.is_kernel_driver_active(self.interface):
                device.detach_kernel_driver(self.interface)
            with contextlib.suppress(usb.core.USBError):  # already configured
                device.set_configuration()
            config = device.get_active_configuration()
            intf = config[(self.interface, 0)]

            def bulk(direction: int) -> Any:
                return usb.util.find_descriptor(
                    intf,
                    custom_match=lambda ep: (
                        usb.util.endpoint_direction(ep.bEndpointAddress) == direction
                        and usb.util.endpoint_type(ep.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK
                    ),
                )

            out_ep = bulk(usb.util.ENDPOINT_OUT)
            in_ep = bulk(usb.util.ENDPOINT_IN)
        except (usb.core.USBError, KeyError, ValueError, NotImplementedError) as exc:
            raise TransportError(f"{self._url}: cannot claim interface: {exc}") from exc
        if out_ep is None:
            raise TransportError(f"{self._url}: interface {self.interface} has no bulk OUT")
        self._device, self._out, self._in = device, out_ep, in_ep
        self.connection_count += 1
        logger.info("opened %s", self._url)

    def _lose(self, why: str) -> None:
        if self._device is not None:
            logger.warning("USB device %s lost: %s", self._url, why)
        self.close()

    def write(self, data: bytes) -> None:
        """Send all of ``data`` on the bulk OUT endpoint."""
        self._open_device()
        import usb.core

        try:
            self._out.write(data, timeout=int(self.write_timeout * 1000))
        except usb.core.USBTimeoutError:
            self._lose("write timed out")
            raise TransportTimeoutError(
                f"{self._url}: device did not accept {len(data)} bytes within "
                f"{self.write_timeout:g} s"
            ) from None
        except usb.core.USBError as exc:
            self._lose(str(exc))
            raise TransportError(f"{self._url}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        """Read up to ``n`` bytes from the bulk IN endpoint within ``timeout`` seconds."""
        if self._device is None:
            raise TransportError(f"{self._url}: device not open")
        if self._in is None:
            return b""
        import usb.core

        if not self._pending:
            try:
                # NOTE: a bulk IN read must ask for a whole packet; keep the extra bytes.
                size = max(n, int(self._in.wMaxPacketSize))
                chunk = self._in.read(size, timeout=max(1, int(timeout * 1000)))
                self._pending += bytes(chunk)
            except usb.core.USBTimeoutError:
                return b""
            except usb.core.USBError as exc:
                self._lose(str(exc))
                raise TransportError(f"{self._url}: read failed: {exc}") from exc
        data = bytes(self._pending[:n])
        del self._pending[:n]
        return data

    def reset_input(self) -> None:
        """Drop buffered bytes (the endpoint itself is not drained)."""
        self._pending.clear()

    def close(self) -> None:
        """Release the device."""
        if self._device is not None:
            try:
                import usb.util

                usb.util.dispose_resources(self._device)
            except (ImportError, OSError) as exc:
                logger.debug("%s: dispose failed: %s", self._url, exc)
        self._device = self._out = self._in = None
        self._pending.clear()

    def describe(self) -> str:
        """The ``usb://`` URL."""
        return self._url
