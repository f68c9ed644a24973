"""``python -m simulators.camera`` / ``kiosk sim camera``: play the booth session script.

Renders the scripted session (empty booth, a person stepping in, coming closer, tilting,
closing the eyes, dark / overexposed / blurred frames, the camera dropping out, two people, a
good pose) and, for each frame, prints the shot and the live guidance the kiosk would show.
With ``--out DIR`` the frames are also written as JPEG files, which ``file:///DIR`` then plays
as a camera; with ``--video FILE.avi`` they are recorded as a Motion-JPEG video, which
``file:///FILE.avi`` plays as a camera (and ``--play FILE`` plays back through the simulator).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import cv2

from kiosk.core.photo.guidance import PhotoGuide
from kiosk.core.photo.landmarks import default_detector
from kiosk.core.photo.rules import load_rule_set
from simulators.camera.simulator import CameraSimulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim camera", description="booth camera simulator (scripted session)"
    )
    parser.add_argument("--frames", type=int, default=0, help="frames to play (0 = one session)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--out", type=Path, default=None, help="write frames as JPEG files here")
    parser.add_argument("--video", type=Path, default=None, help="record a Motion-JPEG .avi")
    parser.add_argument("--fps", type=float, default=10.0, help="frame rate of --video")
    parser.add_argument("--photos", type=Path, default=None, help="show photographs instead")
    parser.add_argument("--play", type=Path, default=None, help="play a video file instead")
    parser.add_argument("--rules", default="jp-passport", help="rule set for the guidance")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Play the session; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    simulator = CameraSimulator(photos=args.photos, video=args.play)
    writer: Any = None
    if args.video is not None:
        fourcc = cv2.VideoWriter.fourcc(*"MJPG")
        writer = cv2.VideoWriter(str(args.video), fourcc, args.fps, (args.width, args.height))
        if not writer.isOpened():
            print(f"kiosk sim camera: cannot write {args.video}", file=sys.stderr)
            return 2
    total = args.frames or sum(s.frames for s in simulator.script)
    guide = PhotoGuide(default_detector(), rule_set=load_rule_set(args.rules))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    for index in range(total):
        shot, _ = simulator.shot_at(index)
        # The script's shot names mean nothing when a video or photographs are played.
        label = "video" if args.play else "photo" if args.photos else shot.name
        frame = simulator.render_frame(args.width, args.height)
        if frame is None:
            print(f"{index:4d} {label:<12} (no frame: camera dropped out)", flush=True)
            continue
        advice = guide.advise(frame)
        print(f"{index:4d} {label:<12} {advice.state.value:<15} {advice.message_id}", flush=True)
        if args.out is not None:
            cv2.imwrite(str(args.out / f"frame_{index:05d}.jpg"), frame)
        if writer is not None:
            writer.write(frame)
    if writer is not None:
        writer.release()
        print(f"recorded {args.video}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
