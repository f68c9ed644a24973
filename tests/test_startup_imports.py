"""What the kiosk loads before its first screen (issue 14: cold start and idle memory).

OpenCV and NumPy (about 40 MB resident), ``cryptography`` (about 7 MB: trust keys are
checked as bytes, the key objects are made at the first signature check), the signed-command
handlers, the hand-over's
journeys and the MQTT link are loaded when a journey or the link needs them, never by
importing the composition root. Checked in a fresh interpreter: one import here would hide
another's.
"""

from __future__ import annotations

import subprocess
import sys

DEFERRED = (
    "cryptography",
    "cv2",
    "numpy",
    "paho",
    "kiosk.core.command_handlers",
    "kiosk.core.handover.service",
    "kiosk.core.handover.journal",
    "kiosk.link.mqtt_link",
    "kiosk.ui.handover_view_model",
    "kiosk.ui.diagnostics_view_model",
    "kiosk.core.diagnostics.technician",
)


def loaded_after(*modules: str, then: str = "", watch: tuple[str, ...] = DEFERRED) -> list[str]:
    """The ``watch`` modules (DEFERRED) a fresh interpreter holds after importing ``modules``
    (and running the statement ``then``)."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"{then}\n"
        f"print(','.join(m for m in {watch!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    return [name for name in out.split(",") if name]


def test_the_composition_root_and_the_cli_load_no_journey_heavy_module() -> None:
    assert loaded_after("kiosk.app", "kiosk.cli", "kiosk.services") == []


def test_the_screens_load_a_journey_s_view_model_only_when_the_kiosk_has_the_journey() -> None:
    assert loaded_after("kiosk.ui.window") == []


def test_the_diagnostics_self_tests_load_opencv_only_when_a_camera_is_measured() -> None:
    assert loaded_after("kiosk.core.diagnostics.self_tests", "kiosk.core.relearn") == []


def test_the_hand_over_package_loads_its_parts_on_first_use() -> None:
    assert loaded_after("kiosk.core.handover", "kiosk.core.handover.machine") == []


def test_a_hand_over_name_from_the_package_still_loads_its_module() -> None:
    then = "from kiosk.core.handover import HandoverService"
    assert loaded_after("kiosk.core.handover", then=then) == [
        "kiosk.core.handover.service",
        "kiosk.core.handover.journal",
    ]


TRUST_LISTS = (
    "import base64, hashlib\n"
    "from pathlib import Path\n"
    "from kiosk.config import parse_config\n"
    "from kiosk.core.trust import KeyPurpose, TrustLists\n"
    "from tests.kiosk_config import config_data\n"
    "data = config_data(Path('/nonexistent/state'))\n"
    "data['trust'] = {p.value: {f'test-{p}': base64.urlsafe_b64encode(\n"
    "    hashlib.sha256(p.value.encode()).digest()).rstrip(b'=').decode()} for p in KeyPurpose}\n"
    "lists = TrustLists(parse_config(data).trust, allow_demo=False)\n"
    "assert len(lists[KeyPurpose.BOOKING].kids) == 1\n"
)


def test_reading_the_trusted_keys_loads_no_cryptography_until_a_signature_is_checked() -> None:
    assert loaded_after("kiosk.config", then=TRUST_LISTS) == []


def test_the_first_signature_check_loads_cryptography() -> None:
    then = TRUST_LISTS + "assert len(lists[KeyPurpose.BOOKING].keys()) == 1"
    assert loaded_after("kiosk.config", then=then) == ["cryptography"]


def test_reading_the_kernel_clock_runs_no_ldconfig_child_before_the_first_screen() -> None:
    # NOTE: ctypes.util.find_library("c") ran `ldconfig -p` (about 10 ms of each start);
    # subprocess is loaded by nothing else before the first frame.
    then = (
        "from kiosk.devices.clock.adjtimex import AdjtimexClockSync\n"
        "clock = AdjtimexClockSync()\n"
        "assert clock._adjtimex is not None\n"  # found libc's adjtimex in the process
        "clock.read()"
    )
    modules = ("kiosk.app", "kiosk.cli", "kiosk.services", "kiosk.ui.window")
    assert loaded_after(*modules, then=then, watch=("ctypes.util", "subprocess")) == []
