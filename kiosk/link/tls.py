"""TLS for ``mqtts://``: the kiosk's client certificate, the broker's CA, TLS 1.2 or newer.

DESIGN §4, §5: the certificate's CN is the kiosk id (= MQTT client id = user name; the
broker takes the user name from the certificate with ``use_identity_as_username``).
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

from kiosk.config import MqttConfig, certificate_common_name
from kiosk.errors import ConfigError

log = logging.getLogger(__name__)


class TlsErrorRecordingSocket(ssl.SSLSocket):
    """An ``SSLSocket`` that keeps the last TLS error seen after the handshake.

    NOTE: with TLS 1.3 the broker checks the client certificate after the client's side of
    the handshake is done, and its alert (unknown CA, expired, revoked) arrives on the
    first read. paho turns that read error into a plain "connection lost"; the link looks
    here to report ``auth_failed`` instead.
    """

    tls_error: ssl.SSLError | None = None

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        """``SSLSocket.recv`` that records a TLS error before raising it."""
        try:
            return super().recv(buflen, flags)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise
        except ssl.SSLError as exc:
            self.tls_error = exc
            raise

    def send(self, data: Any, flags: int = 0) -> int:
        """``SSLSocket.send`` that records a TLS error before raising it."""
        try:
            return super().send(data, flags)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise
        except ssl.SSLError as exc:
            self.tls_error = exc
            raise


def build_tls_context(mqtt: MqttConfig, kiosk_id: str) -> ssl.SSLContext:
    """The client TLS context for the ``[mqtt]`` section.

    Verifies the broker's certificate (against ``ca_file``, or the system's CAs) and its
    host name, requires TLS 1.2 or newer, and presents the kiosk's client certificate.

    Raises:
        ConfigError: a file cannot be loaded, the key does not match the certificate, or
            the certificate's CN is not ``kiosk_id``.
    """
    try:
        context = ssl.create_default_context(
            ssl.Purpose.SERVER_AUTH, cafile=str(mqtt.ca_file) if mqtt.ca_file else None
        )
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError("mqtt.ca_file", str(mqtt.ca_file), f"cannot be loaded: {exc}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    if mqtt.cert_file is not None:
        common_name = certificate_common_name(mqtt.cert_file)
        if common_name != kiosk_id:
            raise ConfigError(
                "mqtt.cert_file",
                str(mqtt.cert_file),
                f"certificate CN is {common_name!r} but the kiosk id is {kiosk_id!r}",
            )
        try:
            context.load_cert_chain(
                str(mqtt.cert_file), str(mqtt.key_file) if mqtt.key_file else None
            )
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                "mqtt.key_file",
                str(mqtt.key_file),
                f"cannot be loaded with {mqtt.cert_file} (wrong key or not PEM?): {exc}",
            ) from None
    else:
        log.warning("mqtts:// without a client certificate: the broker must not accept that")
    context.sslsocket_class = TlsErrorRecordingSocket
    return context


__all__ = ["TlsErrorRecordingSocket", "build_tls_context"]
