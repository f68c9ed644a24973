"""Wires voice guidance's speech engine and the physical buttons (issue 13) for ``kiosk run``.

Kept out of ``kiosk/app.py`` so the composition root stays short: the speaker named by
``[accessibility] voice`` (a missing engine leaves the kiosk without voice, never without a
screen), and the call-staff and tactile buttons of ``[accessibility.buttons]`` on the Pi's
GPIO header.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig
from kiosk.core.call_staff import CallStaffService
from kiosk.core.physical_buttons import PhysicalButtons
from kiosk.devices.speech.protocol import Speaker, SpeechError
from kiosk.errors import DeviceError
from kiosk.services import KioskServices

log = logging.getLogger(__name__)


def open_voice(config: KioskConfig) -> Speaker | None:
    """The speech engine of ``[accessibility] voice``; None: no voice (its button hidden)."""
    settings = config.accessibility
    if settings.voice == "none":
        return None
    from kiosk.devices.speech.factory import open_speaker

    try:
        return open_speaker(
            settings.voice,
            rate_wpm=settings.voice_rate_wpm,
            cache_dir=Path(config.state_dir) / "cache",
        )
    except SpeechError:
        log.exception("no voice guidance: the speech engine %r cannot start", settings.voice)
        return None


def start_buttons(
    config: KioskConfig,
    services: KioskServices,
    speaker: Speaker | None,
    on_call_staff: Callable[[], None] | None,
    *,
    on_ticket: Callable[[], None] | None = None,
    out_of_service: Callable[[], str] | None = None,
    pin_factory: Any = None,
) -> PhysicalButtons | None:
    """The physical buttons, when ``[accessibility.buttons]`` names any (else None).

    ``out_of_service`` says why the screen takes no ticket ("" when it does): the tactile
    buttons then take none either (``PhysicalButtons``).

    A panel whose pins cannot be claimed is logged and left out: the screen works without it.
    """
    settings = config.accessibility
    if settings.call_staff_pin is None and not settings.service_pins:
        return None
    from kiosk.devices.buttons.gpio_panel import GpioButtonPanel
    from kiosk.devices.speech.recording import SilentSpeaker

    try:
        panel = GpioButtonPanel(
            settings.call_staff_pin,
            settings.call_staff_lamp_pin,
            settings.service_pins,
            pin_factory=pin_factory,
        )
    except DeviceError:
        log.exception("the physical buttons are not available")
        return None
    call_staff = services.call_staff or CallStaffService(
        services.db, services.outbox, config.kiosk_id, services.clock
    )
    return PhysicalButtons(
        panel,
        call_staff,
        services.tickets,
        speaker or SilentSpeaker(),
        services.catalogs[config.ui.languages[0]],
        on_call_staff=on_call_staff,
        on_ticket=on_ticket,
        out_of_service=out_of_service,
    )
