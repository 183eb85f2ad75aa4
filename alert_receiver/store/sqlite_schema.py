"""The SQLite store's schema and statements (sqlite.py)."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lane TEXT NOT NULL,
    kind TEXT NOT NULL,
    serial_key TEXT,
    payload TEXT NOT NULL,
    created REAL NOT NULL,
    not_before REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    lease_until REAL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS tasks_ready ON tasks (lane, not_before) WHERE owner IS NULL;
CREATE INDEX IF NOT EXISTS tasks_serial ON tasks (serial_key, id) WHERE serial_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_leased ON tasks (lease_until) WHERE owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    resolved INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_group ON incidents (group_id, created);
CREATE TABLE IF NOT EXISTS enrichments (
    incident_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    revision INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (incident_id, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, body TEXT NOT NULL, expires REAL NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS results (id TEXT PRIMARY KEY, body TEXT NOT NULL, expires REAL NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
"""

INBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    serial_key TEXT,
    payload TEXT NOT NULL,
    created REAL NOT NULL,
    not_before REAL NOT NULL
)
"""
IMPORT_BATCH = 500
CLEANUP_EVERY = 30.0  # seconds between deleting imported inbox rows

_CLAIM = """
UPDATE tasks SET owner = :owner, lease_until = :lease, attempts = attempts + 1
WHERE id = (
    SELECT t.id FROM tasks t
    WHERE t.lane = :lane AND t.owner IS NULL AND t.not_before <= :now
      AND (t.serial_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM tasks u WHERE u.serial_key = t.serial_key AND u.id < t.id))
    ORDER BY t.id LIMIT 1)
RETURNING id, kind, serial_key, payload, created, attempts
"""

# Only the attempt that holds a task's lease may finish it or give it back: `attempts` counts
# claims, so it is the lease's fencing token (base.py).
DELETE_HELD = "DELETE FROM tasks WHERE id = ? AND attempts = ? AND owner IS NOT NULL"
RETRY_HELD = """
UPDATE tasks SET owner = NULL, lease_until = NULL, not_before = ?, last_error = ?
WHERE id = ? AND attempts = ? AND owner IS NOT NULL
"""
