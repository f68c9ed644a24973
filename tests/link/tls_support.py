"""Throw-away PKI and a TLS Mosquitto started with deploy/mosquitto's example config + ACL."""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from tests.mosquitto import MosquittoBroker

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy" / "mosquitto"


@dataclass(frozen=True)
class Identity:
    """A certificate and its key on disk."""

    cert: Path
    key: Path
    serial: int


class Pki:
    """A CA in ``folder`` that issues broker and client certificates and a CRL."""

    def __init__(self, folder: Path, name: str = "Kiosk Test CA"):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.name = name
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.crt"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        cn: str,
        *,
        server: bool = False,
        expired: bool = False,
        file_stem: str | None = None,
    ) -> Identity:
        """A certificate for ``cn`` (a broker's with SAN 127.0.0.1/localhost if ``server``)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        start, end = (
            (now - timedelta(days=10), now - timedelta(days=1))
            if expired
            else (now - timedelta(hours=1), now + timedelta(days=7))
        )
        serial = x509.random_serial_number()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
                ),
                critical=False,
            )
        cert = builder.sign(self.key, hashes.SHA256())
        stem = file_stem or cn
        identity = Identity(self.folder / f"{stem}.crt", self.folder / f"{stem}.key", serial)
        identity.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        identity.key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return identity

    def write_crl(self, revoked: list[Identity]) -> Path:
        """A CRL (PEM) revoking ``revoked``, valid for a day."""
        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(now - timedelta(minutes=5))
            .next_update(now + timedelta(days=1))
        )
        for identity in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(identity.serial)
                .revocation_date(now - timedelta(minutes=1))
                .build()
            )
        path = self.folder / "crl.pem"
        path.write_bytes(
            builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
        )
        return path


class TlsMosquittoBroker(MosquittoBroker):
    """Mosquitto with deploy/mosquitto/kiosk.conf and kiosk.acl (paths and port replaced)."""

    def __init__(self, tmp_dir: Path, pki_dir: Path):
        super().__init__(tmp_dir)
        self.pki_dir = pki_dir

    @property
    def tls_url(self) -> str:
        """``mqtts://127.0.0.1:PORT``."""
        return f"mqtts://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        super()._write_config()  # log settings and 'user' (the listener is replaced below)
        base = [
            line
            for line in self.conf_path.read_text().splitlines()
            if not line.startswith(("listener", "allow_anonymous", "persistence"))
        ]
        example = (DEPLOY / "kiosk.conf").read_text()
        replacements = {
            "listener 8883": f"listener {self.port} 127.0.0.1",
            "persistence true": "persistence false",
            "/var/lib/mosquitto/": f"{self.work_dir}/",
            "/etc/mosquitto/kiosk-ca/": f"{self.pki_dir}/",
            "/etc/mosquitto/kiosk.acl": str(DEPLOY / "kiosk.acl"),
        }
        for old, new in replacements.items():
            assert old in example, f"deploy/mosquitto/kiosk.conf no longer has {old!r}"
            example = example.replace(old, new)
        # NOTE: global options (log, user) must come before the listener's block.
        self.conf_path.write_text("\n".join(base) + "\n" + example)


class TlsClient:
    """A plain paho client with a client certificate that records what it receives."""

    def __init__(self, broker: TlsMosquittoBroker, ca: Path, identity: Identity, client_id: str):
        self.received: list[tuple[str, bytes]] = []
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        self._connected = threading.Event()
        self.broker = broker
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        context = ssl.create_default_context(cafile=str(ca))
        context.load_cert_chain(str(identity.cert), str(identity.key))
        self.client.tls_set_context(context)
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.on_connect = lambda *args: self._connected.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.received.append((msg.topic, bytes(msg.payload)))
            self._cond.notify_all()

    def __enter__(self) -> TlsClient:
        self.client.connect("127.0.0.1", self.broker.port, keepalive=30, clean_start=True)
        self.client.loop_start()
        assert self._connected.wait(5), "TLS client: no CONNACK"
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def subscribe(self, *topics: str) -> None:
        """Subscribe with QoS 1 and wait for the SUBACK."""
        self._subscribed.clear()
        self.client.subscribe([(t, 1) for t in topics])
        assert self._subscribed.wait(5), "TLS client: no SUBACK"

    def publish(self, topic: str, body: dict[str, Any], *, retain: bool = False) -> None:
        """Publish QoS 1 and wait for the PUBACK (a refused one is acknowledged too)."""
        info = self.client.publish(topic, json.dumps(body).encode(), qos=1, retain=retain)
        info.wait_for_publish(5)
        assert info.is_published(), f"no PUBACK for {topic}"

    def topics(self) -> list[str]:
        """Topics of the messages received so far, in order."""
        with self._cond:
            return [t for t, _ in self.received]

    def wait_for_topic(self, topic: str, timeout: float) -> None:
        """Wait until a message on ``topic`` arrived."""
        with self._cond:
            ok = self._cond.wait_for(lambda: any(t == topic for t, _ in self.received), timeout)
        assert ok, f"nothing on {topic} within {timeout} s; got {self.topics()}"
