"""The emulator's AMQP front end: an independent python-qpid-proton client (its own TLS, SASL
ANONYMOUS, the relative link address, amqp-value status bodies) provisions through it; raw
sockets probe the failure paths."""

import json
import pathlib
import socket
import ssl
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from pki_helpers import key_pem, make_cert, pem
from provisioning_device_client.emulator.amqp_front import AmqpFrontEnd, parse_address

pytest.importorskip("proton")
PEER = pathlib.Path(__file__).with_name("interop") / "proton_register.py"


def proton_peer(emu, registration_id, tmp_path, cert=None, scope=None):
    cert, key = cert or make_cert(registration_id)
    (tmp_path / "cert.pem").write_text(pem(cert))
    (tmp_path / "key.pem").write_text(key_pem(key))
    r = subprocess.run([sys.executable, str(PEER), emu.provisioning_host, scope or emu.id_scope, registration_id,
                        str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"), str(emu.ca_cert_path)],
                       capture_output=True, text=True, timeout=120)
    print(r.stdout)
    lines = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert lines, r.stderr
    return r.returncode, lines


def test_proton_peer_registers(emulator, tmp_path):
    cert = make_cert("proton-peer-1")
    emulator.service.enroll_individual("proton-peer-1", pem(cert[0]))
    rc, lines = proton_peer(emulator, "proton-peer-1", tmp_path, cert)
    assert rc == 0
    register, *polls, outcome = lines
    assert register["correlation_id_copied"] and register["body"]["status"] == "assigning"
    assert register["retry_after"] == {"retry-after": "2", "Retry-After": "2"}
    assert polls and all(p["correlation_id_copied"] for p in polls)  # amqp-value status bodies accepted
    assert outcome == {"status": "assigned", "hub": "emulated-hub.azure-devices.net", "device_id": "proton-peer-1"}
    assert emulator.service.hub_device("proton-peer-1")["status"] == "enabled"


def test_proton_peer_unknown_device_is_rejected(emulator, tmp_path):
    rc, lines = proton_peer(emulator, "proton-nobody", tmp_path)
    assert rc == 1 and lines[-1] == {"error": "rejected"}


def test_proton_peer_wrong_scope_is_rejected(emulator, tmp_path):
    cert = make_cert("proton-peer-2")
    emulator.service.enroll_individual("proton-peer-2", pem(cert[0]))
    rc, lines = proton_peer(emulator, "proton-peer-2", tmp_path, cert, scope="0ne00000000")
    assert rc == 1 and lines[-1] == {"error": "rejected"}


@pytest.mark.parametrize("address, expected", [
    ("amqps://dps.example/0ne1/registrations/dev-1", ("0ne1", "dev-1")),
    ("0ne1/registrations/dev%2F1", ("0ne1", "dev/1")),
    ("/0ne1/registrations/dev-1", ("0ne1", "dev-1")),
    ("0ne1/registration/dev-1", None), ("registrations/dev-1", None), ("", None), (None, None),
    ("amqps://h/0ne1/registrations/", None),
])
def test_link_address_forms(address, expected):
    assert parse_address(address) == expected


def _tls(emu):
    host, port = emu.provisioning_host.rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=str(emu.ca_cert_path))
    return ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=10), server_hostname=host)


@pytest.mark.parametrize("garbage", [b"AMQP\x00\x01\x00\x00" + b"\xff" * 64, b"AMQP\x09\x09\x09\x09",
                                     b"AMQP\x00\x01\x00\x00\x00\x00\x00\x08\x01\x00\x00\x00"])
def test_malformed_amqp_closes_the_connection(emulator, garbage):
    with _tls(emulator) as s:
        s.sendall(garbage)
        received = b""
        while True:  # the emulator answers with its header and/or a close, then hangs up
            chunk = s.recv(4096)
            if not chunk:
                break
            received += chunk
    assert received[:4] == b"AMQP" or received == b""
    # the emulator still serves others
    with _tls(emulator) as s:
        s.sendall(b"AMQP\x00\x01\x00\x00")
        assert s.recv(8) == b"AMQP\x00\x01\x00\x00"


HEADER = b"AMQP\x00\x01\x00\x00"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6), st.booleans())
def test_front_end_survives_garbage_after_the_header(chunks, sasl):
    """Random bytes after a protocol header: the session answers or closes, never raises."""
    header = b"AMQP\x03\x01\x00\x00" if sasl else HEADER
    incoming = [header, *chunks]
    written = []
    front = AmqpFrontEnd(engine=None)  # type: ignore[arg-type]  # no request can get through garbage
    front.serve(lambda: incoming.pop(0) if incoming else b"", written.append, ("fuzz", 0), [])
    assert b"".join(written)[:4] in (b"AMQP", b"")
