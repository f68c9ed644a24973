"""The speech engines for voice guidance, compared on the kiosk's own texts (issue 13).

For each engine and each installed catalogue language:

- **read whole**: the share of the catalogue's texts the engine reads without spelling a
  character it does not know (eSpeak NG says "Japanese letter" / "Chinese letter" for a
  kanji its Japanese voice cannot read: found in its phoneme output, ``espeak-ng -x``);
- **latency**: text in -> the whole WAV of the take-ticket sentence rendered, median of 10
  (the engine starts playing well before that), and the real-time factor;
- **size**: what it installs (Debian's Installed-Size, the wheel).

Engines: eSpeak NG as it is; eSpeak NG with kanji turned into kana by pykakasi (what the
kiosk uses); Open JTalk (Debian ``open-jtalk`` + NAIST dictionary) and Qt TextToSpeech are
reported with why they could not be measured here.

Run: ``.venv/bin/python -m bench.voice_engines`` (``--json`` for machine output).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from importlib import metadata
from pathlib import Path
from typing import Any

from kiosk.devices.speech.espeak import EspeakSpeaker, engine_text, voice_for
from kiosk.i18n.catalog import available_languages, load_catalogs

RUNS = 10
SENTENCES = {
    "ja": "整理券をお取りください。あなたの番号は A 12 番です。",
    "en": "Please take your ticket. Your number is A 12.",
}
# The phoneme output of a character the voice spells out: "(en)tS'aIni:z(ja)l'et@" and alike.
SPELLED = re.compile(r"\(en\)[^ ]*?l'et@")
PLACEHOLDER = re.compile(r"%\d")


def installed_kb(*packages: str) -> int | None:
    """Debian's Installed-Size of the packages, in KiB (None: one is not installed)."""
    total = 0
    for package in packages:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f=${Installed-Size}", package],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not done.stdout.strip():
            return None
        total += int(done.stdout)
    return total


def wheel_kb(distribution: str) -> int:
    """The installed files of a Python distribution, in KiB."""
    files = metadata.distribution(distribution).files or []
    return sum(f.size or 0 for f in files) // 1024


def spelled(text: str, language: str, *, kana: bool) -> bool:
    """True when eSpeak NG spells out a character of ``text`` instead of reading it."""
    given = engine_text(text, language) if kana else text
    done = subprocess.run(
        ["espeak-ng", "-q", "-x", "-b", "1", "-v", voice_for(language)],
        input=given.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    return bool(SPELLED.search(done.stdout.decode("utf-8", "replace")))


def read_whole(language: str, *, kana: bool) -> tuple[int, int, list[str]]:
    """(texts read whole, texts, the others) over the language's catalogue."""
    catalog = load_catalogs((language,))[language]
    texts = [PLACEHOLDER.sub("3", t) for t in catalog.messages.values() if t.strip()]
    bad = [t for t in texts if spelled(t, language, kana=kana)]
    return len(texts) - len(bad), len(texts), bad


def latency(language: str) -> dict[str, float]:
    """Median seconds to render the take-ticket sentence, and its audio length."""
    speaker = EspeakSpeaker()
    text = SENTENCES.get(language, SENTENCES["en"])
    times = []
    audio_s = 0.0
    for _ in range(RUNS):
        start = time.perf_counter()
        wav = speaker.synthesize(text, language)
        times.append(time.perf_counter() - start)
        with wave.open(io.BytesIO(wav)) as reader:
            # NOTE: a streamed WAV's header says 2**31 frames: count the bytes instead.
            frame_bytes = reader.getsampwidth() * reader.getnchannels()
            audio_s = (len(wav) - 44) / frame_bytes / reader.getframerate()
    median = statistics.median(times)
    return {
        "render_ms": round(median * 1000, 1),
        "audio_s": round(audio_s, 2),
        "realtime_x": round(audio_s / median, 1),
    }


_MEMORY_PROBE = """
import sys, time
from pathlib import Path
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
import kiosk.devices.speech.espeak as espeak
if sys.argv[1] != '-':
    espeak.use_kana_index(Path(sys.argv[1]))
before, start = rss(), time.perf_counter()
espeak.kana_reading('整理券をお取りください')
print(rss() - before, time.perf_counter() - start)
"""


def reading_memory(index: Path | None) -> dict[str, float]:
    """Resident memory and time the first Japanese sentence adds, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(index) if index is not None else "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    mb, seconds = (float(x) for x in done.stdout.split())
    return {"rss_mb": round(mb, 1), "first_s": round(seconds, 2)}


def measure() -> dict[str, Any]:
    """Every figure of the module docstring."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed (scripts/bootstrap.sh installs it)")
    languages = list(available_languages())
    rows: dict[str, Any] = {"languages": {}}
    for language in languages:
        whole, total, _ = read_whole(language, kana=False)
        entry: dict[str, Any] = {"espeak_ng": f"{whole}/{total}"}
        if voice_for(language) == "ja":
            whole_k, total_k, spelled_k = read_whole(language, kana=True)
            entry["espeak_ng_kana"] = f"{whole_k}/{total_k}"
            entry["still_spelled"] = spelled_k[:5]
        rows["languages"][language] = entry
    rows["latency"] = {lang: latency(lang) for lang in ("ja", "en")}
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "kana.sqlite3"
        rows["reading_memory"] = {
            "whole dictionary (pykakasi as it is)": reading_memory(None),
            "SQLite index, first use ever (built by a child process)": reading_memory(index),
            "SQLite index, built before": reading_memory(index),
        }
    rows["size_kb"] = {
        "espeak-ng (Debian: espeak-ng, libespeak-ng1, espeak-ng-data)": installed_kb(
            "espeak-ng", "libespeak-ng1", "espeak-ng-data"
        ),
        "pykakasi + jaconv + deprecated + wrapt (wheels, installed)": sum(
            wheel_kb(d) for d in ("pykakasi", "jaconv", "deprecated", "wrapt")
        ),
        "open-jtalk + open-jtalk-mecab-naist-jdic (Debian)": installed_kb(
            "open-jtalk", "open-jtalk-mecab-naist-jdic"
        ),
    }
    rows["not_measured"] = {
        "Open JTalk": "no HTS voice in Debian 12 main (hts-voice-nitech-jp-atr503-m001 is not "
        "in bookworm): it cannot speak without one, and a voice fetched from elsewhere is not "
        "installable by scripts/bootstrap.sh",
        "Qt TextToSpeech": "not in PySide6-Essentials (QtTextToSpeech is in PySide6-Addons); on "
        "Linux it speaks through speech-dispatcher, which drives eSpeak NG itself",
    }
    return rows


def main() -> None:
    """Print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    print("texts of the catalogue read whole (no character spelled out):")
    for language, entry in rows["languages"].items():
        print(f"  {language:8} " + "  ".join(f"{k} {v}" for k, v in entry.items()))
    print(f"take-ticket sentence rendered to WAV (median of {RUNS}):")
    for language, entry in rows["latency"].items():
        print(
            f"  {language:8} {entry['render_ms']} ms for {entry['audio_s']} s of speech"
            f" ({entry['realtime_x']}x real time)"
        )
    print("first Japanese sentence read into kana, in a fresh process:")
    for name, entry in rows["reading_memory"].items():
        print(f"  {name}: +{entry['rss_mb']} MB resident, {entry['first_s']} s")
    print("size:")
    for name, kb in rows["size_kb"].items():
        print(f"  {name}: {'not installed' if kb is None else f'{kb / 1024:.1f} MB'}")
    for name, why in rows["not_measured"].items():
        print(f"  {name}: not measured: {why}")


if __name__ == "__main__":
    main()
