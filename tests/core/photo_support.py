"""Shared fixtures for the photo tests: one detector, the rule sets, the good prints."""

from __future__ import annotations

from kiosk.core.photo.detect import HaarFaceDetector

DETECTOR = HaarFaceDetector()
