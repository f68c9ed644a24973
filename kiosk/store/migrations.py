"""Versioned schema migrations, applied in order inside one transaction each.

Never edit a released migration: add a new one. ``PRAGMA user_version`` holds the version.
"""

from __future__ import annotations

from kiosk.store import migration_photo_approval as photo_approval

MIGRATIONS: tuple[str, ...] = (
    # 1: key/value state, ticket counters and tickets, the outbox.
    """
    CREATE TABLE kv (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE ticket_counter (
        business_day TEXT NOT NULL,          -- local date the numbers belong to, YYYY-MM-DD
        service      TEXT NOT NULL,
        last_number  INTEGER NOT NULL,
        PRIMARY KEY (business_day, service)
    );
    CREATE TABLE ticket (
        id            TEXT PRIMARY KEY,      -- uuid7
        business_day  TEXT NOT NULL,
        service       TEXT NOT NULL,
        seq_number    INTEGER NOT NULL,
        display       TEXT NOT NULL,         -- the printed number, e.g. A-042
        issued_at     TEXT NOT NULL,         -- RFC 3339 UTC
        people_ahead  INTEGER NOT NULL,
        wait_minutes  INTEGER NOT NULL,
        wait_estimated INTEGER NOT NULL,     -- 1 when our own estimate, 0 when from the server
        language      TEXT NOT NULL,
        print_state   TEXT NOT NULL DEFAULT 'pending',  -- pending | printed | failed
        print_reason  TEXT NOT NULL DEFAULT '',
        UNIQUE (business_day, service, seq_number)
    );
    CREATE INDEX ticket_by_day ON ticket (business_day, service);
    CREATE TABLE outbox (
        seq       INTEGER PRIMARY KEY,       -- per kiosk, gapless, from kv 'outbox.last_seq'
        id        TEXT NOT NULL UNIQUE,      -- uuid7 of the event
        category  TEXT NOT NULL,             -- ticket, device, cmd, …: the topic suffix
        type      TEXT NOT NULL,             -- ticket.issued, device.health, …
        priority  TEXT NOT NULL,             -- person | telemetry | tombstone (dropped telemetry)
        created   TEXT NOT NULL,             -- RFC 3339 UTC
        envelope  TEXT NOT NULL              -- the exact JSON sent
    );
    """,
    # 2: used booking ids (check-in), server commands (at most once), applied config versions.
    """
    CREATE TABLE used_booking (
        booking_id   TEXT PRIMARY KEY,
        office       TEXT NOT NULL,
        used_at      TEXT NOT NULL,          -- RFC 3339 UTC of the accepted check-in
        outcome      TEXT NOT NULL,          -- accepted | unverified (offline short code)
        detail       TEXT NOT NULL DEFAULT '{}'  -- JSON: service, slot, queue position…
    );
    CREATE TABLE command (
        cmd_id       TEXT PRIMARY KEY,
        action       TEXT NOT NULL,
        ctr          INTEGER NOT NULL,
        received_at  TEXT NOT NULL,
        state        TEXT NOT NULL,          -- started | done | failed | refused | interrupted
        result       TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE config_version (
        version      INTEGER PRIMARY KEY,
        received_at  TEXT NOT NULL,
        state        TEXT NOT NULL,          -- applied | rejected
        detail       TEXT NOT NULL DEFAULT '',
        document     TEXT NOT NULL           -- the desired config as received (JSON)
    );
    """,
    # 3: passport hand-over: compartments, cases, the hand-over journal, wrong PINs.
    """
    CREATE TABLE compartment (
        door        INTEGER PRIMARY KEY,     -- from 1, in board order
        size        TEXT NOT NULL,           -- S | M | L
        role        TEXT NOT NULL,           -- case | return
        state       TEXT NOT NULL,           -- free | reserved | loaded | returned | fault
        case_id     TEXT NOT NULL DEFAULT '',
        door_seen   TEXT NOT NULL DEFAULT 'unknown',  -- open | closed | unknown (tamper watch)
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE handover_case (
        case_id          TEXT PRIMARY KEY,
        office           TEXT NOT NULL,
        size             TEXT NOT NULL,
        has_old_passport INTEGER NOT NULL,
        pin_verifier     TEXT NOT NULL DEFAULT '',  -- scrypt$log2N$r$p$salt$hash
        state            TEXT NOT NULL,     -- assigned | loading | loaded | collecting | collected
                                            -- | locked | staff_check | cancelled | withdrawn
        door             INTEGER,
        pin_failures     INTEGER NOT NULL DEFAULT 0,
        returned         TEXT NOT NULL DEFAULT '',  -- door:N | slot | slot-unpunched
        return_reviewed  INTEGER NOT NULL DEFAULT 0,
        assigned_at      TEXT NOT NULL,
        updated_at       TEXT NOT NULL
    );
    CREATE TABLE handover (
        id           TEXT PRIMARY KEY,      -- uuid7
        kind         TEXT NOT NULL,         -- loading | pickup
        case_id      TEXT NOT NULL DEFAULT '',
        door         INTEGER,
        return_door  INTEGER,
        return_mode  TEXT NOT NULL,         -- hold | punch | none
        state        TEXT NOT NULL,
        target       TEXT NOT NULL,         -- none | door | return | slot
        state_since  TEXT NOT NULL,
        started_at   TEXT NOT NULL,
        fires        INTEGER NOT NULL DEFAULT 0,
        opened_at    TEXT,
        reminded     INTEGER NOT NULL DEFAULT 0,
        alarmed      INTEGER NOT NULL DEFAULT 0,
        recovered    INTEGER NOT NULL DEFAULT 0,
        actor        TEXT NOT NULL DEFAULT '',
        reason       TEXT NOT NULL DEFAULT '',
        ended_at     TEXT
    );
    CREATE INDEX handover_live ON handover (ended_at);
    CREATE TABLE handover_step (
        handover_id  TEXT NOT NULL REFERENCES handover (id),
        n            INTEGER NOT NULL,
        step         TEXT NOT NULL,
        state        TEXT NOT NULL,         -- the state after the step
        at           TEXT NOT NULL,
        data         TEXT NOT NULL DEFAULT '{}',
        event_seq    INTEGER,               -- the outbox seq of its event
        PRIMARY KEY (handover_id, n)
    );
    CREATE TABLE pin_failure (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id  TEXT NOT NULL,
        at       TEXT NOT NULL
    );
    CREATE INDEX pin_failure_at ON pin_failure (at);
    """,
    # 4: ID photos: accepted photos, their file's hash and their transfer to the server.
    """
    CREATE TABLE photo (
        id              TEXT PRIMARY KEY,      -- uuid7
        code            TEXT NOT NULL UNIQUE,  -- photo code on the receipt (8 chars + check)
        sha256          TEXT NOT NULL,         -- hex hash of the JPEG = its file name
        size_bytes      INTEGER NOT NULL,
        width_px        INTEGER NOT NULL,
        height_px       INTEGER NOT NULL,
        dpi             INTEGER NOT NULL,
        rule_set        TEXT NOT NULL,         -- jp-passport | icao | …
        verdicts        TEXT NOT NULL,         -- JSON summary: failed, review, per-rule status
        file            TEXT NOT NULL,         -- file name under the photo storage dir
        language        TEXT NOT NULL,
        accepted_at     TEXT NOT NULL,         -- RFC 3339 UTC
        transfer_state  TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | confirmed
        receipt_state   TEXT NOT NULL DEFAULT 'pending',  -- pending | printed | failed
        receipt_reason  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX photo_transfer ON photo (transfer_state);
    """,
    # 5: the image transfer of ID photos (issue 6). transfer_state is now
    # pending | confirmed | lost | corrupt | rejected ('sent' of migration 4 was never used).
    """
    ALTER TABLE photo ADD COLUMN transfer_chunks INTEGER NOT NULL DEFAULT 0;  -- chunks the
                                              -- broker took in order (where a restart resumes)
    ALTER TABLE photo ADD COLUMN transfer_detail TEXT NOT NULL DEFAULT '';  -- why lost/corrupt/…
    ALTER TABLE photo ADD COLUMN confirmed_at TEXT;      -- RFC 3339 UTC of the server's ok
    ALTER TABLE photo ADD COLUMN file_deleted_at TEXT;   -- RFC 3339 UTC: the JPEG was removed
    """,
    # 6: staff approvals of ID photos (issue 12).
    photo_approval.SQL,
)
