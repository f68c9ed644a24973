"""Versioned schema migrations, applied in order inside one transaction each.

Never edit a released migration: add a new one. ``PRAGMA user_version`` holds the version.
"""

from __future__ import annotations

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
)
