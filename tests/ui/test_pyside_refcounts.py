"""The pinned PySide6 keeps Python's reference counts of None and True intact.

PySide6 6.12.0 lost one reference to None on every call of a void Qt method and one to True
on every signal emit; Python aborted ("deallocating None") after a few thousand, i.e. a
kiosk would die within hours. pyproject.toml pins below it. Run in a child process, so
a regression is a failed test rather than a dead test run.
"""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

class Emitter(QObject):
    fired = Signal(int)

app = QCoreApplication([])
emitter = Emitter()
timer = QTimer()
none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
for i in range(5000):
    emitter.fired.emit(i)
    timer.setInterval(5)
print(none_before - sys.getrefcount(None), true_before - sys.getrefcount(True))
"""


def test_signal_emits_and_void_calls_do_not_drain_none_or_true() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lost_none, lost_true = (int(x) for x in result.stdout.split())
    assert abs(lost_none) < 50, f"{lost_none} references to None lost in 5000 calls"
    assert abs(lost_true) < 50, f"{lost_true} references to True lost in 5000 emits"
