"""Files the kiosk keeps next to its database: private (0600 in 0700 folders), written
durably, and never left half-written.

Used for ID photos (``<state_dir>/photos/<sha256>.jpg``) and the identity marker
(``<state_dir>/kiosk.identity``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from kiosk.store.database import DIR_MODE, FILE_MODE

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and parents) as 0700, or tighten an existing one to 0700.

    Returns the folder. A folder we cannot chmod (not ours) is logged, not fatal.

    Raises:
        OSError: the folder cannot be created.
    """
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    mode = folder.stat().st_mode & 0o777
    if mode & ~DIR_MODE:
        try:
            folder.chmod(DIR_MODE)
        except OSError as exc:
            log.warning("cannot restrict %s to 0700 (is %o): %s", folder, mode, exc)
    return folder


def write_private(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name`` (0600) via a temporary file, fsync and rename.

    On any failure (a full disk) the temporary file is removed and the old file, if any,
    is left as it was.

    Raises:
        OSError: the file could not be written (``ENOSPC`` on a full disk).
    """
    private_folder(folder)
    path = folder / name
    temporary = folder / f".{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        # NOTE: a full disk fails the write or the fsync; a half-written temporary file
        # would hold the little space that was left.
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return path


def remove_stale_temporaries(folder: Path) -> int:
    """Delete ``.*.tmp`` files a crash left in ``folder``; returns how many."""
    removed = 0
    try:
        candidates = list(folder.glob(f".*{TEMP_SUFFIX}"))
    except OSError:
        return 0
    for path in candidates:
        try:
            path.unlink()
            removed += 1
        except OSError as exc:
            log.warning("cannot remove the stale temporary file %s: %s", path, exc)
    if removed:
        log.warning("removed %d temporary files a crash left in %s", removed, folder)
    return removed


__all__ = ["TEMP_SUFFIX", "private_folder", "remove_stale_temporaries", "write_private"]
