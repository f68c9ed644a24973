"""A kiosk screen with every journey on real services: check-in, the photo booth on the camera
simulator, the passport hand-over on the locker simulator (session privacy, staff review).

Import ``make_full_kiosk`` into a test module to use it as a fixture.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickItem
from pytestqt.qtbot import QtBot

from kiosk.config import CheckInConfig
from kiosk.core.checkin import CheckInService
from kiosk.core.clock import SystemClock
from kiosk.core.handover import (
    HandoverJournal,
    HandoverService,
    HandoverSettings,
    issue_pickup_token,
    issue_staff_card,
    make_pin_verifier,
)
from kiosk.core.handover.tokens import HandoverTrust
from kiosk.core.photo.session import PhotoBoothService
from kiosk.core.trust import KeyPurpose
from kiosk.devices.locker.factory import LockerSettings, open_locker
from kiosk.devices.locker.protocol import Locker
from kiosk.ui.checkin_view_model import CheckInViewModel
from kiosk.ui.handover_view_model import HandoverViewModel
from kiosk.ui.photo_view_model import PhotoViewModel
from kiosk.ui.window import KioskUi, build_ui
from simulators.camera.simulator import CameraSimulator, Shot
from simulators.demo_keys import demo_key
from simulators.locker.server import LockerSimulator
from tests.ui.conftest import (
    HANDOVER_CHEAP_LOG2N,
    HANDOVER_PIN,
    HANDOVER_STAFF_ID,
    HANDOVER_STAFF_PIN,
    KioskParts,
    build_checkin,
    build_photo_booth,
    demo_trust,
)

PhotoServiceClass = type[PhotoBoothService]


@dataclass
class FullKiosk:
    """The screen and the real services and simulators behind it."""

    ui: KioskUi
    parts: KioskParts
    checkin_service: CheckInService
    photo_service: PhotoBoothService
    camera_sim: CameraSimulator
    handover_service: HandoverService
    locker_sim: LockerSimulator

    @property
    def checkin(self) -> CheckInViewModel:
        assert self.ui.checkin is not None
        return self.ui.checkin

    @property
    def photo(self) -> PhotoViewModel:
        assert self.ui.photo is not None
        return self.ui.photo

    @property
    def handover(self) -> HandoverViewModel:
        assert self.ui.handover is not None
        return self.ui.handover

    def assign(self, case_id: str, size: str = "M", *, old: bool = True) -> None:
        """The server assigns a case with the test PIN."""
        verifier = make_pin_verifier(HANDOVER_PIN, log2n=HANDOVER_CHEAP_LOG2N)
        assert self.handover_service.assign_case(
            case_id, size, has_old_passport=old, pin_verifier=verifier
        )

    def pickup_token(self, case_id: str) -> str:
        """A demo-signed pickup QR for ``case_id``."""
        expires = datetime.now(UTC) + timedelta(days=14)
        kid, key = demo_key(KeyPurpose.PICKUP)
        return issue_pickup_token(case_id, "chuo", expires, key=key, kid=kid)

    def staff_card(self, staff_id: str = "s-12", *, office: str = "chuo") -> str:
        """A demo-signed staff card."""
        expires = datetime.now(UTC) + timedelta(hours=8)
        kid, key = demo_key(KeyPurpose.STAFF)
        return issue_staff_card(staff_id, office, expires, key=key, kid=kid)


FullKioskFactory = Callable[..., FullKiosk]


@pytest.fixture
def make_full_kiosk(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts, tmp_path: Path
) -> Iterator[FullKioskFactory]:
    """Builds the screen with check-in, the photo booth and the hand-over.

    ``inactivity_s`` replaces ``[ui] inactivity_s`` (bypassing validation: shorter than a
    person needs); ``booth_class`` is the photo service's class (a test's subclass);
    ``card_only`` configures no staff PINs (staff sign in with their card only);
    ``photo`` replaces :class:`PhotoSettings` values.
    """
    built: list[FullKiosk] = []
    lockers: list[Locker] = []

    def factory(
        *,
        inactivity_s: float | None = None,
        booth_class: PhotoServiceClass = PhotoBoothService,
        card_only: bool = False,
        **photo: Any,
    ) -> FullKiosk:
        config = replace(parts.config, checkin=CheckInConfig())
        if inactivity_s is not None:
            config = replace(config, ui=replace(config.ui, inactivity_s=inactivity_s))
        checkin = build_checkin(parts, config)
        camera_sim = CameraSimulator()
        camera_sim.hold(Shot("empty", 1))
        booth = build_photo_booth(parts, tmp_path, camera_sim, photo, booth_class=booth_class)
        locker_sim = LockerSimulator(port=0, boards=3, auto_pull_s=0.05).start()
        locker = open_locker(locker_sim.url, LockerSettings(boards=3))
        lockers.append(locker)
        handover = HandoverService(
            HandoverSettings(
                office="chuo",
                compartments={d: "S" if d <= 16 else "M" if d <= 32 else "L" for d in range(1, 41)},
                return_doors=(41, 42, 43, 44),
                staff_pins={}
                if card_only
                else {
                    HANDOVER_STAFF_ID: make_pin_verifier(
                        HANDOVER_STAFF_PIN, log2n=HANDOVER_CHEAP_LOG2N
                    )
                },
            ),
            HandoverJournal(parts.db, parts.outbox),
            locker,
            HandoverTrust(pickup=demo_trust(KeyPurpose.PICKUP), staff=demo_trust(KeyPurpose.STAFF)),
            SystemClock(),
            health=parts.health,
        )
        handover.recover()
        ui = build_ui(
            qapp,
            config,
            parts.tickets,
            parts.waiting,
            parts.health,
            parts.catalogs,
            show=True,
            checkin_service=checkin,
            photo_service=booth,
            handover_service=handover,
        )
        kiosk = FullKiosk(ui, parts, checkin, booth, camera_sim, handover, locker_sim)
        built.append(kiosk)
        qtbot.waitExposed(ui.window)
        return kiosk

    yield factory
    for kiosk in built:
        kiosk.photo_service.close()  # the camera first: the preview thread leaves its frames
        assert kiosk.photo.wait_idle(10), "a photo check was still running at the end"
        assert kiosk.checkin.wait_idle(10), "a check-in was still running at the end"
        assert kiosk.handover.wait_idle(10), "a hand-over call was still running at the end"
        kiosk.ui.close()
        kiosk.locker_sim.stop()
    for locker in lockers:
        locker.close()
    built.clear()
    gc.collect()


def _visible_items(item: QQuickItem) -> Iterator[QQuickItem]:
    if not item.isVisible():
        return
    yield item
    for child in item.childItems():
        yield from _visible_items(child)


def shown_texts(ui: KioskUi) -> list[str]:
    """Every text shown now (labels, buttons, fields), in the visual tree's order."""
    texts = []
    for item in _visible_items(ui.window.contentItem()):
        text = item.property("text")
        if isinstance(text, str) and text:
            texts.append(text)
    return texts


def shown_image_sources(ui: KioskUi) -> list[str]:
    """The ``image://`` sources of every image shown now."""
    sources = []
    for item in _visible_items(ui.window.contentItem()):
        source = item.property("source")
        text = source.toString() if hasattr(source, "toString") else source
        if isinstance(text, str) and text.startswith("image://"):
            sources.append(text)
    return sources
