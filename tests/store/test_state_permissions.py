"""Who may read the kiosk's state: the state folder is 0700, every file in it 0600 (issue 10,
item 13). Checked on real files, with the umask a shell usually has (022)."""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.photo.session import _write_durably
from kiosk.store.database import Database
from kiosk.store.files import private_folder, write_private
from kiosk.store.kv import begin_session, kv_set

REPO_ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """The umask of a login shell: files 0644 and folders 0755 unless we say otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_database_and_its_wal_and_shm_are_readable_by_the_kiosk_user_only(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path / "state" / "kiosk.sqlite3")
    begin_session(db)
    with db.transaction() as tx:
        kv_set(tx, "pin", "scrypt$…")
    files = {p.name: mode(p) for p in (tmp_path / "state").iterdir()}
    db.close()
    assert files == {
        "kiosk.sqlite3": 0o600,
        "kiosk.sqlite3-wal": 0o600,
        "kiosk.sqlite3-shm": 0o600,
    }
    assert mode(tmp_path / "state") == 0o700


def test_an_old_state_folder_with_world_readable_files_is_tightened_when_opened(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "state"
    db = Database(folder / "kiosk.sqlite3")
    begin_session(db)
    db.close()
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)

    private_folder(folder)
    db = Database(folder / "kiosk.sqlite3")
    begin_session(db)
    try:
        assert mode(folder) == 0o700
        assert {p.name: mode(p) for p in folder.iterdir()} == {
            "kiosk.sqlite3": 0o600,
            "kiosk.sqlite3-wal": 0o600,
            "kiosk.sqlite3-shm": 0o600,
        }
    finally:
        db.close()


def test_photos_and_other_state_files_are_0600_in_a_0700_folder(tmp_path: Path) -> None:
    photos = tmp_path / "state" / "photos"
    jpeg = _write_durably(photos, "ab12.jpg", b"\xff\xd8 a photo \xff\xd9")
    marker = write_private(tmp_path / "state", "kiosk.identity", b"{}")
    assert (mode(photos), mode(jpeg)) == (0o700, 0o600)
    assert mode(marker) == 0o600
    assert jpeg.read_bytes() == b"\xff\xd8 a photo \xff\xd9"


def test_the_systemd_unit_gives_the_kiosk_a_private_umask_and_state_folder() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(REPO_ROOT / "systemd" / "kiosk.service", encoding="utf-8")
    assert unit["Service"]["UMask"] == "0077"
    assert unit["Service"]["StateDirectoryMode"] == "0700"
