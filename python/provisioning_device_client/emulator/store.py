"""Durable emulator state in SQLite: enrollments, enrollment groups, CA certificates,
registration records, operations and the IoT Hub device registry.

One connection guarded by a lock (it also serves ':memory:'); file stores use WAL, and every
registration is one transaction, so a kill -9 at any moment leaves a consistent store.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrollments (
    registration_id TEXT PRIMARY KEY COLLATE NOCASE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrollment_groups (
    group_id TEXT PRIMARY KEY COLLATE NOCASE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    name TEXT PRIMARY KEY, pem TEXT NOT NULL, thumbprint TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0, verification_code TEXT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registrations (
    registration_id TEXT PRIMARY KEY COLLATE NOCASE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
    operation_id TEXT PRIMARY KEY, registration_id TEXT NOT NULL COLLATE NOCASE,
    thumbprint TEXT NOT NULL, polls INTEGER NOT NULL DEFAULT 0, result TEXT NOT NULL,
    created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS operations_by_registration ON operations(registration_id);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY COLLATE NOCASE, hub TEXT NOT NULL, doc TEXT NOT NULL);
"""

# Operations older than this are forgotten (a client polls within seconds).
OPERATION_TTL_SECONDS = 3600


class Store:
    def __init__(self, path: str) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable against process crashes
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error); nests by joining the outer one."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- meta ---------------------------------------------------------------------------
    def meta(self, key: str, default: Optional[str] = None) -> Optional[str]:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))

    # -- generic JSON-document tables ----------------------------------------------------
    _TABLES = {"enrollments": "registration_id", "enrollment_groups": "group_id",
               "registrations": "registration_id", "devices": "device_id"}

    def get(self, table: str, key: str) -> Optional[Dict[str, Any]]:
        column = self._TABLES[table]
        with self._lock:
            row = self._db.execute(f"SELECT doc FROM {table} WHERE {column}=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, table: str, key: str, doc: Dict[str, Any], **extra: str) -> None:
        column = self._TABLES[table]
        names = [column, "doc", *extra]
        values = [key, json.dumps(doc, sort_keys=True), *extra.values()]
        with self.transaction() as db:
            db.execute(f"INSERT OR REPLACE INTO {table}({', '.join(names)}) VALUES({', '.join('?' * len(names))})",
                       values)

    def delete(self, table: str, key: str) -> bool:
        column = self._TABLES[table]
        with self.transaction() as db:
            return db.execute(f"DELETE FROM {table} WHERE {column}=?", (key,)).rowcount > 0

    def all(self, table: str) -> List[Dict[str, Any]]:
        column = self._TABLES[table]
        with self._lock:
            rows = self._db.execute(f"SELECT doc FROM {table} ORDER BY {column}").fetchall()
        return [json.loads(r[0]) for r in rows]

    # -- certificates (CA uploads, proof of possession) ---------------------------------
    def put_certificate(self, name: str, pem: str, thumbprint: str, verified: bool,
                        verification_code: Optional[str], doc: Dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO certificates VALUES(?, ?, ?, ?, ?, ?)",
                       (name, pem, thumbprint, int(verified), verification_code, json.dumps(doc, sort_keys=True)))

    def set_certificate_state(self, name: str, verified: bool, verification_code: Optional[str]) -> None:
        with self.transaction() as db:
            db.execute("UPDATE certificates SET verified=?, verification_code=? WHERE name=?",
                       (int(verified), verification_code, name))

    def certificate(self, name: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            row = self._db.execute("SELECT name, pem, thumbprint, verified, verification_code, doc "
                                   "FROM certificates WHERE name=?", (name,)).fetchone()
        return _certificate_row(row) if row else None

    def certificates(self) -> List[Dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT name, pem, thumbprint, verified, verification_code, doc "
                                    "FROM certificates ORDER BY name").fetchall()
        return [_certificate_row(r) for r in rows]

    def delete_certificate(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM certificates WHERE name=?", (name,)).rowcount > 0

    # -- operations ---------------------------------------------------------------------
    def put_operation(self, operation_id: str, registration_id: str, thumbprint: str,
                      result: Dict[str, Any], created: float) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM operations WHERE created < ?", (created - OPERATION_TTL_SECONDS,))
            db.execute("INSERT INTO operations VALUES(?, ?, ?, 0, ?, ?)",
                       (operation_id, registration_id, thumbprint, json.dumps(result), created))

    def poll_operation(self, operation_id: str) -> Optional[Dict[str, Any]]:
        """Count one poll and return {registration_id, thumbprint, polls, result}."""
        with self.transaction() as db:
            db.execute("UPDATE operations SET polls = polls + 1 WHERE operation_id=?", (operation_id,))
            row = db.execute("SELECT registration_id, thumbprint, polls, result FROM operations "
                             "WHERE operation_id=?", (operation_id,)).fetchone()
        if row is None:
            return None
        return {"registration_id": row[0], "thumbprint": row[1], "polls": row[2], "result": json.loads(row[3])}


def _certificate_row(row: Any) -> Dict[str, Any]:
    name, pem, thumb, verified, code, doc = row
    return {**json.loads(doc), "name": name, "certificate": pem, "thumbprint": thumb,
            "isVerified": bool(verified), "verificationCode": code}
