"""dps-emulator as a user runs it: start in the foreground, manage from another process, and
kill -9 in the middle of concurrent registrations without corrupting the store."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from conftest import RawDevice
from pki_helpers import key_pem, make_cert, pem

CLI = [sys.executable, "-m", "provisioning_device_client.emulator.cli"]


def cli(state, *args):
    return subprocess.run([*CLI, "--state-dir", str(state), *args], capture_output=True, text=True, timeout=60)


def start(state, *args):
    proc = subprocess.Popen([*CLI, "--state-dir", str(state), "start", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while not (state / "emulator.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"emulator did not start: {proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.05)
    return proc


class _Running:
    """Adapter so RawDevice can talk to a CLI-started emulator."""

    def __init__(self, state):
        info = json.loads((state / "emulator.json").read_text())
        self.ca_cert_path, self.provisioning_host, self.id_scope = info["caCertificate"], info["provisioningHost"], info["idScope"]


def test_start_manage_and_stop(tmp_path):
    state = tmp_path / "state"
    proc = start(state, "--hub", "lab-hub.azure-devices.net")
    try:
        cert, key = make_cert("cli-dev")
        (tmp_path / "dev.pem").write_text(pem(cert))
        r = cli(state, "enrollment", "add", "--registration-id", "cli-dev", "--certificate", str(tmp_path / "dev.pem"))
        assert r.returncode == 0 and "individual enrollment cli-dev (enabled)" in r.stdout, r.stderr
        assert "cli-dev" in cli(state, "enrollment", "list").stdout
        status, body, _ = RawDevice(_Running(state), pem(cert), key_pem(key), tmp_path, "cli-dev").register_and_poll()
        assert status == 200 and body["registrationState"]["assignedHub"] == "lab-hub.azure-devices.net"
        table = cli(state, "hub", "devices").stdout.splitlines()
        assert table[0].split() == ["device", "id", "status", "auth", "type", "hub", "created"]
        assert table[1].split()[:3] == ["cli-dev", "enabled", "selfSigned"]
        assert "assigned" in cli(state, "registration", "list").stdout
        assert cli(state, "enrollment", "delete", "cli-dev").returncode == 0
        assert cli(state, "hub", "delete", "cli-dev").returncode == 0
        assert len(cli(state, "hub", "devices").stdout.splitlines()) == 1
        # clear errors
        r = cli(state, "enrollment", "show", "nobody")
        assert r.returncode == 1 and "404" in r.stderr
        r = cli(state, "enrollment", "add", "--registration-id", "x", "--certificate", str(tmp_path / "missing.pem"))
        assert r.returncode != 0 and "cannot read certificate" in r.stderr
        r = cli(state, "enrollment", "add", "--group-id", "g")
        assert r.returncode != 0 and "--ca" in r.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "DPS emulator stopped" in out
    assert "ID scope:" in out and "SSL_CERT_FILE" in out
    r = cli(state, "hub", "devices")
    assert r.returncode != 0 and "no running emulator" in r.stderr


def test_group_proof_of_possession_through_cli(tmp_path):
    state = tmp_path / "state"
    proc = start(state)
    try:
        root = make_cert("CLI Root", ca=True)
        (tmp_path / "root.pem").write_text(pem(root[0]))
        up = cli(state, "ca", "upload", "root", str(tmp_path / "root.pem"))
        code = up.stdout.split("verification code: ")[1].strip()
        proof, _ = make_cert(code, root)
        (tmp_path / "proof.pem").write_text(pem(proof))
        assert "root verified" in cli(state, "ca", "verify", "root", str(tmp_path / "proof.pem")).stdout
        assert cli(state, "enrollment", "add", "--group-id", "grp", "--ca-name", "root").returncode == 0
        leaf, leaf_key = make_cert("grp-dev", root)
        status, _, _ = RawDevice(_Running(state), pem(leaf), key_pem(leaf_key), tmp_path, "grp-dev").register_and_poll()
        assert status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_kill_9_during_concurrent_registrations_leaves_a_consistent_store(tmp_path):
    state = tmp_path / "state"
    proc = start(state)
    devices = []
    for i in range(24):
        cert, key = make_cert(f"crash-{i}")
        (tmp_path / f"d{i}.pem").write_text(pem(cert))
        assert cli(state, "enrollment", "add", "--registration-id", f"crash-{i}",
                   "--certificate", str(tmp_path / f"d{i}.pem")).returncode == 0
        devices.append((f"crash-{i}", cert, key))
    running = _Running(state)
    completed = []
    stop = threading.Event()

    def worker(batch):
        for rid, cert, key in batch:
            if stop.is_set():
                return
            try:
                d = tmp_path / rid
                d.mkdir()
                status, body, _ = RawDevice(running, pem(cert), key_pem(key), d, rid).register_and_poll()
                if status == 200 and body["status"] == "assigned":
                    completed.append(rid)
            except Exception:  # the server died under us: expected
                return

    threads = [threading.Thread(target=worker, args=(devices[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    while len(completed) < 4:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()

    db = sqlite3.connect(str(state / "dps.sqlite3"))
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    registrations = {r[0] for r in db.execute("SELECT registration_id FROM registrations")}
    hub = {r[0] for r in db.execute("SELECT device_id FROM devices")}
    assert registrations == hub  # written in one transaction: never one without the other
    assert set(completed) <= registrations
    assert db.execute("SELECT COUNT(*) FROM enrollments").fetchone()[0] == 24
    db.close()

    (state / "emulator.json").unlink()  # left behind by the killed process
    proc = start(state)
    try:
        running = _Running(state)
        rid, cert, key = devices[-1]
        d = tmp_path / "after"
        d.mkdir()
        status, body, _ = RawDevice(running, pem(cert), key_pem(key), d, rid).register_and_poll()
        assert status == 200 and body["status"] == "assigned"
        survived = cli(state, "registration", "list").stdout
        assert all(rid in survived for rid in completed)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
