"""The composition root loads PySide6 without Shiboken's source check at every import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHECK = textwrap.dedent(
    """
    import builtins, linecache, sys
    plain = builtins.__import__
    {load}
    before = len(linecache.cache)
    import wave  # a module nobody imported yet (its importer is this script)
    from kiosk.core import tickets  # and one of ours
    print(builtins.__import__ is plain, len(linecache.cache) - before)
    """
)


def run(load: str) -> tuple[bool, int]:
    out = subprocess.run(
        [sys.executable, "-c", CHECK.format(load=load)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[0] == "True", int(out[1])  # (plain import kept, source files read since)


def test_load_pyside_keeps_pythons_import_and_reads_no_sources() -> None:
    assert run("from kiosk.ui.pyside_load import load_pyside; load_pyside()") == (True, 0)


def test_a_plain_pyside_import_reads_every_importers_source() -> None:
    # What load_pyside avoids; if PySide stops doing this, load_pyside can go.
    plain, cached = run("import PySide6.QtCore")
    assert not plain
    assert cached > 0


def test_load_pyside_after_pyside_leaves_its_import_alone() -> None:
    plain, _ = run(
        "import PySide6.QtCore\nfrom kiosk.ui.pyside_load import load_pyside\nload_pyside()"
    )
    assert not plain
