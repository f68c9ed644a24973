"""The support bundle: one ``.tar.gz`` a technician or the city's IT can read (issue 11).

Members (all under ``kiosk-bundle-<kiosk>-<UTC time>/``):

==================  =================================================================
``manifest.json``   kiosk, when, software and config version, each member's size and
                    sha256, and what could not be included (with why)
``status.json``     the whole status report (``kiosk diag status --json``)
``health.json``     every device's health, and the recent faults
``counters.json``   the counters
``frames.json``     the flight recorder: the last frames each device exchanged
``config.json``     the configuration file as read, with every secret replaced by
                    ``"<removed>"`` (see :func:`redact`)
``logs/…``          the kiosk's log files (the tail of each, at most ``LOG_TAIL_BYTES``)
                    and, on a systemd host, ``journal.txt`` (``journalctl -u kiosk``)
==================  =================================================================
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

REMOVED = "<removed>"
SECRET_KEYS = frozenset(
    {
        "password",
        "passphrase",
        "key_file",
        "private_key",
        "secret",
        "token",
        "staff_pins",
        "technician_pins",
        "pin_verifier",
        "pin_verifiers",
    }
)
"""Keys whose whole value is replaced, wherever they are in the document."""
SECRET_PREFIXES = ("scrypt$",)
"""Text values that are secrets whatever their key (PIN verifiers)."""
LOG_TAIL_BYTES = 8 * 1024 * 1024
"""The most of one log file a bundle carries (its end)."""
JOURNAL_UNIT = "kiosk.service"
JOURNAL_LINES = 20000


def redact(document: Any) -> Any:
    """A copy of a config document with every secret value replaced by ``"<removed>"``.

    Secret: the value of a key in :data:`SECRET_KEYS` (``[mqtt] password``, ``key_file``,
    ``[handover] staff_pins`` …) and any text starting like a PIN verifier (``scrypt$``).
    """
    if isinstance(document, Mapping):
        return {
            str(key): REMOVED if str(key).lower() in SECRET_KEYS else redact(value)
            for key, value in document.items()
        }
    if isinstance(document, list | tuple):
        return [redact(value) for value in document]
    if isinstance(document, str) and document.startswith(SECRET_PREFIXES):
        return REMOVED
    return document


def read_journal(unit: str = JOURNAL_UNIT, lines: int = JOURNAL_LINES) -> str | None:
    """The unit's last journal lines, or None when there is no journalctl (or it failed)."""
    journalctl = shutil.which("journalctl")
    if journalctl is None:
        return None
    try:
        done = subprocess.run(
            [journalctl, "-u", unit, "-n", str(lines), "--no-pager", "-o", "short-iso"],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("journal of %s not read: %s", unit, exc)
        return None
    if done.returncode != 0:
        log.warning("journalctl -u %s exited %d: %s", unit, done.returncode, done.stderr[:200])
        return None
    return done.stdout.decode("utf-8", errors="replace")


def _tail(path: Path, limit: int) -> bytes:
    with path.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - limit))
        return f.read()


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def write_bundle(
    path: Path,
    status: Mapping[str, Any],
    *,
    config_document: Mapping[str, Any] | None,
    log_files: Sequence[Path] = (),
    journal: Callable[[], str | None] | None = None,
) -> Path:
    """Write the bundle to ``path`` (a temporary file renamed into place) and return it.

    Args:
        path: where the ``.tar.gz`` goes.
        status: the status report as JSON (:meth:`StatusReport.as_json`, or what a running
            kiosk wrote to its status file).
        config_document: the configuration file as read (None: defaults applied).
        log_files: log files whose tails go in.
        journal: reads the systemd journal (None: not asked).

    Raises:
        OSError: the file could not be written.
    """
    kiosk = str(status.get("kiosk", "kiosk"))
    stamp = str(status.get("taken_at") or "").replace("-", "").replace(":", "")
    root = f"kiosk-bundle-{kiosk}-{stamp or 'now'}"
    members: dict[str, bytes] = {
        "status.json": _json_bytes(status),
        "health.json": _json_bytes(
            {"devices": status.get("devices", {}), "recent_faults": status.get("recent_faults", [])}
        ),
        "counters.json": _json_bytes(status.get("counters", {})),
        "frames.json": _json_bytes(status.get("frames", {})),
    }
    missing: dict[str, str] = {}
    if config_document is None:
        missing["config.json"] = "no configuration file (defaults)"
    else:
        members["config.json"] = _json_bytes(redact(config_document))
    for log_file in log_files:
        try:
            members[f"logs/{log_file.name}"] = _tail(log_file, LOG_TAIL_BYTES)
        except OSError as exc:
            missing[f"logs/{log_file.name}"] = str(exc)
    if journal is not None:
        text = journal()
        if text is None:
            missing["logs/journal.txt"] = f"no journal of {JOURNAL_UNIT} on this host"
        else:
            members["logs/journal.txt"] = text.encode("utf-8")
    manifest = {
        "kiosk": kiosk,
        "taken_at": status.get("taken_at"),
        "software_version": status.get("software_version"),
        "config_version": status.get("config_version"),
        "files": {
            name: {"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(members.items())
        },
        "not_included": missing,
    }
    members = {"manifest.json": _json_bytes(manifest), **members}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    mtime = time.time()
    with tarfile.open(partial, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size = len(data)
            info.mtime = int(mtime)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    os.chmod(partial, 0o600)
    os.replace(partial, path)
    log.info(
        "support bundle %s written (%d files, %d bytes)", path, len(members), path.stat().st_size
    )
    return path


__all__ = ["REMOVED", "SECRET_KEYS", "read_journal", "redact", "write_bundle"]
