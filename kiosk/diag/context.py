"""What every ``kiosk diag`` command runs with: its setup, exit statuses, output and seams.

A command works on a bench with nothing but a device URL: without ``--config`` and with no
``/etc/kiosk/kiosk.toml`` the bench defaults (:data:`BENCH_DOCUMENT`) apply.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.config import KioskConfig, parse_config, read_config_document

if TYPE_CHECKING:
    from kiosk.core.diagnostics.self_tests import Prompt


def out(text: str) -> None:
    """Write one line to stdout (the command's result)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def err(text: str) -> None:
    """Write one line to stderr (refusals, and the prompts when stdout holds JSON)."""
    sys.stderr.write(text + "\n")


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

DB_NAME = "kiosk.sqlite3"
DEVICES = ("printer", "scanner", "camera", "locker", "camera_mount")
DEVICE_ALIASES = {"mount": "camera_mount"}
URL_DEVICES = ("printer", "scanner", "locker", "camera")
SCANNER_CONNECT_S = 3.0
"""How long ``status`` (and the echo test, before it shows its code) waits for a scanner to
report that it is connected."""

BENCH_DOCUMENT: dict[str, Any] = {
    "kiosk": {
        "id": "bench",
        "office": "bench",
        "office_name": {"ja": "診断", "en": "Bench"},
        "timezone": "Asia/Tokyo",
    },
    "ui": {"languages": ["ja", "en"]},
    "tickets": {
        "reset_time": "03:00",
        "number_format": "{prefix}-{number:03d}",
        "status_url": "https://queue.example.jp/{office}/t/{ticket_id}",
    },
    "services": [
        {
            "id": "test",
            "prefix": "T",
            "name": {"ja": "テスト", "en": "Test"},
            "average_service_min": 5,
        }
    ],
    "printer": {"url": ""},
    "mqtt": {"broker": ""},
}
"""The configuration of a bench: no file, nothing fitted but what the line names."""


@dataclasses.dataclass(frozen=True)
class Setup:
    """The configuration a ``diag`` command runs with.

    Attributes:
        config: the validated configuration (the bench defaults without a file).
        document: the file as read (None: defaults).
        path: the file (None: defaults).
    """

    config: KioskConfig
    document: dict[str, Any] | None
    path: Path | None

    @property
    def bench(self) -> bool:
        """True when no configuration file is used."""
        return self.path is None

    @property
    def state_dir(self) -> Path:
        """The state folder of the configured kiosk."""
        return Path(self.config.state_dir)


def load_setup(config_path: Path | None, *, default_path: Path) -> Setup:
    """The config file given, else ``default_path`` if present, else the bench defaults.

    Raises:
        ConfigError: a file given with ``--config`` does not exist, or a file is not valid.
    """
    path = config_path
    if path is None and default_path.is_file():
        path = default_path
    if path is None:
        return Setup(parse_config(BENCH_DOCUMENT, source="kiosk diag defaults"), None, None)
    document = read_config_document(path)
    return Setup(parse_config(document, source=str(path), base_dir=path.parent), document, path)


def device_url(setup: Setup, args: argparse.Namespace, device: str) -> str:
    """The device's URL: from the line, else the config (``sim://`` does not count)."""
    given = getattr(args, device, None)
    if given:
        return str(given)
    configured = {
        "printer": setup.config.printer.url,
        "scanner": setup.config.scanner.url,
        "locker": setup.config.locker.url,
        "camera": setup.config.photo.camera_url if setup.config.photo.enabled else "",
    }.get(device, "")
    if setup.bench or not configured or configured.startswith("sim:"):
        return ""
    return configured


class PromptPrinter(Protocol):
    """Shows a running self-test's instruction to the technician."""

    def __call__(self, prompt: Prompt | None, *, to_stderr: bool = False) -> None:
        """Show ``prompt`` (nothing for None), on stderr when stdout holds JSON."""
        ...


@dataclasses.dataclass(frozen=True)
class Seams:
    """The two places a command meets a person or a scanner, handed in by :mod:`kiosk.diag_cli`
    (where tests replace them).

    Attributes:
        open_scanner: opens a scanner from the config and its URL.
        print_prompt: shows a self-test's instruction.
    """

    open_scanner: Callable[[KioskConfig, str], Any]
    print_prompt: PromptPrinter
