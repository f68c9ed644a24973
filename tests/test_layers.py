"""Who may import whom: the table in docs/architecture.md §2, checked on every module.

Every import counts, also those inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QT_AND_PAHO = ("PySide6", "shiboken6", "paho")
PROTOCOLS = ("kiosk.devices.health", "kiosk.devices.url")
DEMO_TOOLING = {"kiosk.demo", "kiosk.cli"}


def modules(folder: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((REPO / folder).rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def is_protocol(name: str) -> bool:
    """A device Protocol module, the health model or the URL parser: no driver."""
    return name.endswith(".protocol") or name in PROTOCOLS


def broken_rules(module: str, name: str) -> str | None:
    """Why ``module`` may not import ``name`` (docs/architecture.md §2), or None."""
    if under(name, *QT_AND_PAHO):
        if under(module, "kiosk.devices", "kiosk.store", "kiosk.core"):
            return "Qt and paho stay out of the devices, the store and the core"
        if under(module, "kiosk.ui") and under(name, "paho"):
            return "paho lives in kiosk.link only"
        if under(module, "kiosk.link") and not under(name, "paho"):
            return "the link does not know Qt"
        return None
    if not under(name, "kiosk", "simulators"):
        return None
    if under(name, "simulators") and under(module, "kiosk") and module not in DEMO_TOOLING:
        return "only the demo tooling starts simulators"
    if under(module, "kiosk.devices"):
        if not under(name, "kiosk.devices", "kiosk.errors"):
            return "a driver knows devices and errors only"
    elif under(module, "kiosk.store"):
        if not (
            under(name, "kiosk.store", "kiosk.errors", "kiosk.uuid7")
            or name == "kiosk.devices.health"
        ):
            return "the store knows the store, errors, ids and the health model"
    elif under(module, "kiosk.core"):
        if under(name, "kiosk.link", "kiosk.ui", "kiosk.app", "kiosk.services", "kiosk.cli"):
            return "the core is called, it does not call the link or the UI"
        # NOTE: locker.diag is the technician's audited open; it takes a Locker Protocol.
        if under(name, "kiosk.devices") and not (
            is_protocol(name) or name == "kiosk.devices.locker.diag"
        ):
            return "the core uses device Protocols, never drivers"
    elif under(module, "kiosk.link"):
        if under(name, "kiosk.ui", "kiosk.app"):
            return "the link does not know the UI"
        if under(name, "kiosk.devices") and not is_protocol(name):
            return "the link reads health, it does not drive devices"
    elif under(module, "kiosk.ui"):
        if under(name, "kiosk.link", "kiosk.app", "kiosk.services"):
            return "the UI talks to the core, not to the link"
        if under(name, "kiosk.store"):
            return "a screen reads state through the core (its types), never the store"
        if under(name, "kiosk.devices") and not is_protocol(name):
            return "the UI shows health, it does not drive devices"
    elif under(module, "simulators") and under(
        name, "kiosk.ui", "kiosk.app", "kiosk.services", "kiosk.demo", "kiosk.cli"
    ):
        return "a simulator is the other end of the wire, not a part of the kiosk"
    return None


@pytest.mark.parametrize("folder", ["kiosk", "simulators"])
def test_every_import_keeps_to_the_layers(folder: str) -> None:
    broken = [
        f"{module} imports {name}: {why}"
        for module, path in modules(folder)
        for name in sorted(imports(path))
        if (why := broken_rules(module, name)) is not None
    ]
    assert broken == []


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("kiosk.core.tickets", "kiosk.devices.printer.escpos_printer"),
        ("kiosk.core.checkin", "paho.mqtt.client"),
        ("kiosk.ui.window", "kiosk.link.mqtt_link"),
        ("kiosk.ui.handover_view_model", "kiosk.store.handover"),
        ("kiosk.ui.kiosk_view_model", "kiosk.store.outbox"),
        ("kiosk.ui.status", "kiosk.devices.printer.escpos_printer"),
        ("kiosk.devices.printer.factory", "kiosk.core.tickets"),
        ("kiosk.store.outbox", "kiosk.core.events"),
        ("kiosk.link.mqtt_link", "PySide6.QtCore"),
        ("kiosk.services", "simulators.printer.server"),
        ("simulators.printer.server", "kiosk.ui.window"),
    ],
)
def test_the_check_catches_an_import_across_the_layers(module: str, name: str) -> None:
    assert broken_rules(module, name) is not None


def test_no_screen_imports_the_store_or_a_device_driver() -> None:
    """The UI shows what the core says: state through core types (issue 14: the hand-over
    screen read the store's CaseRow), health through the health model and Protocols."""
    found = sorted(
        f"{module} imports {name}"
        for module, path in modules("kiosk/ui")
        for name in imports(path)
        if under(name, "kiosk.store") or (under(name, "kiosk.devices") and not is_protocol(name))
    )
    assert found == []
