"""A kiosk wired for commands and desired config, as app.py should wire it (for the tests)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig
from kiosk.core.clock import SystemClock
from kiosk.core.commands import CommandHandler, CommandProcessor
from kiosk.core.desired_config import DesiredConfigService
from kiosk.core.jws import public_key_from_text
from kiosk.core.trust import KeyPurpose
from kiosk.link.mqtt_link import MqttLink
from kiosk.store.commands import CommandRepository, CommandRow
from simulators.demo_keys import DEMO_COMMAND_KID, DEMO_COMMAND_PUBLIC_KEY
from tests.kiosk_config import config_data
from tests.link.link_support import KIOSK_ID, KioskStore
from tests.trust_keys import signing_key, trust_table


def signed_config(document: dict[str, Any], kiosk_id: str = KIOSK_ID, **kwargs: Any) -> bytes:
    """``document`` (``{"version": N, sections...}``) signed with the tests' config key."""
    from simulators.central.server import sign_desired_config

    kid, key = signing_key(KeyPurpose.CONFIG)
    return sign_desired_config(kiosk_id, document, key=key, kid=kid, **kwargs).encode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS with any header and signature (for alg none / HS256 attacks)."""
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims).encode())
    if header.get("alg") == "HS256":
        # The classic confusion attack: HMAC keyed with the (public) verification key.
        signature = hmac.new(
            DEMO_COMMAND_PUBLIC_KEY.encode(), f"{head}.{body}".encode(), hashlib.sha256
        ).digest()
    return f"{head}.{body}.{b64(signature)}"


@dataclass
class CommandRig:
    """Processor and desired-config service on a kiosk's store, hooked to a link."""

    store: KioskStore
    processor: CommandProcessor
    desired: DesiredConfigService
    applied: list[tuple[KioskConfig, frozenset[str]]] = field(default_factory=list)

    @classmethod
    def create(cls, store: KioskStore, state_dir: Path, kiosk_id: str = KIOSK_ID) -> CommandRig:
        processor = CommandProcessor(
            kiosk_id=kiosk_id,
            keys={DEMO_COMMAND_KID: public_key_from_text(DEMO_COMMAND_PUBLIC_KEY)},
            db=store.db,
            outbox=store.outbox,
            clock=SystemClock(),
        )
        document = config_data(state_dir)
        document["kiosk"]["id"] = kiosk_id
        document["trust"] = trust_table(KeyPurpose.CONFIG)
        desired = DesiredConfigService(
            file_document=document, db=store.db, outbox=store.outbox, clock=SystemClock()
        )
        rig = cls(store, processor, desired)
        desired.set_applier(lambda config, changed: rig.applied.append((config, changed)))
        return rig

    def register(self, handlers: Mapping[str, CommandHandler]) -> None:
        for action, handler in handlers.items():
            self.processor.register(action, handler)

    def processor_rows(self) -> list[CommandRow]:
        """The ``command`` table, oldest first."""
        return CommandRepository(self.store.db).all()

    def attach(self, link: MqttLink) -> None:
        """What app.py does: settle, then hand the link's payloads to the core."""
        self.processor.settle_interrupted()
        link.on_command(self.processor.handle_payload)
        link.on_config_desired(self.desired.handle_payload)
        self.desired.set_reporter(link.report_config)
