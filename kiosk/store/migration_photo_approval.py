"""Migration 6 (issue 12): staff approvals of ID photos (:mod:`kiosk.store.photo_approvals`).

A file of its own so that :mod:`kiosk.store.migrations` lists it without importing the
repository (which imports the database, which imports the migrations).
"""

from __future__ import annotations

SQL = """
    CREATE TABLE photo_approval (
        photo_id      TEXT PRIMARY KEY REFERENCES photo (id),
        staff_id      TEXT NOT NULL,
        signed_in_by  TEXT NOT NULL,          -- card | pin
        reason        TEXT NOT NULL,          -- religious | medical (kiosk.core.photo.review)
        rules_waived  TEXT NOT NULL,          -- JSON list of rule names, in rule-set order
        approved_at   TEXT NOT NULL           -- RFC 3339 UTC
    );
    CREATE INDEX photo_approval_by_staff ON photo_approval (staff_id, approved_at);
"""
"""The ``photo_approval`` table: one row per photo staff approved."""

__all__ = ["SQL"]
