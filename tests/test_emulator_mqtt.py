"""The emulator's MQTT and MQTT-over-WebSocket front ends: the independent azure-iot-device
client provisions through them; raw sockets probe the failure paths; hypothesis fuzzes the
packet codec."""

import json
import os
import pathlib
import socket
import ssl
import struct
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from pki_helpers import key_pem, make_cert, pem
from provisioning_device_client.dice import DiceIdentity
from provisioning_device_client.emulator import Emulator
from provisioning_device_client.emulator import mqtt_codec as mqtt

INTEROP = pathlib.Path(__file__).with_name("interop") / "azure_iot_device_register.py"


@pytest.fixture(scope="module")
def standard_emulator():
    """azure-iot-device always dials 8883 (MQTT) and 443 (WebSockets)."""
    with Emulator(extra_ports=[8883, 443]) as emu:
        yield emu


def azure_iot_device(emu, registration_id, cert_pem, key_text, tmp_path, websockets):
    python = os.environ.get("PDC_AZURE_IOT_DEVICE_PYTHON")
    if not python:
        pytest.skip("PDC_AZURE_IOT_DEVICE_PYTHON not set (tools/test creates the azure-iot-device venv)")
    assert os.path.exists(python), f"{python} missing: run tools/bootstrap"
    (tmp_path / "cert.pem").write_text(cert_pem)
    (tmp_path / "key.pem").write_text(key_text)
    r = subprocess.run([python, str(INTEROP), "localhost", emu.id_scope, registration_id, str(tmp_path / "cert.pem"),
                        str(tmp_path / "key.pem"), str(emu.ca_cert_path), "1" if websockets else "0"],
                       capture_output=True, text=True, timeout=120)
    return r.returncode, json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {"stderr": r.stderr}


@pytest.mark.parametrize("websockets", [False, True], ids=["mqtt", "mqtt_ws"])
def test_azure_iot_device_individual_dice(standard_emulator, tmp_path, websockets):
    emu = standard_emulator
    dice = DiceIdentity(profile="tcg", uds=bytes([7 + websockets]) * 32)
    emu.service.enroll_individual(dice.registration_id, dice.alias_cert_pem)
    rc, out = azure_iot_device(emu, dice.registration_id, dice.chain_pem, dice.alias_key_pem, tmp_path, websockets)
    print(out)
    assert rc == 0, out
    assert out["status"] == "assigned" and out["hub"] == "emulated-hub.azure-devices.net"
    assert out["device_id"] == dice.registration_id and out["operation_id"].startswith("4.")


@pytest.mark.parametrize("websockets", [False, True], ids=["mqtt", "mqtt_ws"])
def test_azure_iot_device_group_with_intermediate(standard_emulator, tmp_path, websockets):
    emu = standard_emulator
    root = make_cert("AID Root", ca=True)
    inter = make_cert("AID Intermediate", root, ca=True)
    name = f"aid-root-{int(websockets)}"
    emu.service.upload_ca(name, pem(root[0]), verified=True)
    emu.service.enroll_group(f"aid-group-{int(websockets)}", ca_name=name)
    leaf, key = make_cert(f"aid-group-dev-{int(websockets)}", inter)
    rc, out = azure_iot_device(emu, f"aid-group-dev-{int(websockets)}", pem(leaf) + pem(inter[0]), key_pem(key),
                               tmp_path, websockets)
    assert rc == 0, out
    assert out["device_id"] == f"aid-group-dev-{int(websockets)}"


def test_azure_iot_device_unknown_device_gets_401(standard_emulator, tmp_path):
    cert, key = make_cert("aid-stranger")
    rc, out = azure_iot_device(standard_emulator, "aid-stranger", pem(cert), key_pem(key), tmp_path, False)
    assert rc == 1 and "401" in (out.get("cause") or ""), out


# -- raw MQTT over TLS: failure paths ------------------------------------------------------------

def _string(s):
    raw = s.encode()
    return struct.pack(">H", len(raw)) + raw


def _packet(first, body):
    n, length = len(body), bytearray()
    while True:
        byte, n = n % 128, n // 128
        length.append(byte | (0x80 if n else 0))
        if not n:
            break
    return bytes([first]) + bytes(length) + body


def raw_connect(emu, client_id, username, cert=None, key=None, tmp_path=None):
    ctx = ssl.create_default_context(cafile=str(emu.ca_cert_path))
    if cert:
        (tmp_path / "c.pem").write_text(cert)
        (tmp_path / "k.pem").write_text(key)
        ctx.load_cert_chain(str(tmp_path / "c.pem"), str(tmp_path / "k.pem"))
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", emu.port), timeout=10), server_hostname="localhost")
    body = _string("MQTT") + bytes([4, 0xC2]) + struct.pack(">H", 60) + _string(client_id) + _string(username) + _string("")
    s.sendall(_packet(0x10, body))
    return s


def read_packet(s):
    return mqtt.read_packet(lambda n: _recv_exactly(s, n))


def _recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return b""
        data += chunk
    return data


def test_connack_refusals(emulator):
    s = raw_connect(emulator, "dev", "0neWRONGSCOPE/registrations/dev/api-version=2019-03-31")
    assert read_packet(s) == (mqtt.CONNACK, 0, bytes([0, mqtt.REFUSED_BAD_CREDENTIALS]))
    s = raw_connect(emulator, "other", f"{emulator.id_scope}/registrations/dev/api-version=2019-03-31")
    assert read_packet(s) == (mqtt.CONNACK, 0, bytes([0, mqtt.REFUSED_IDENTIFIER]))


def test_rid_is_echoed_verbatim_and_unsubscribed_gets_nothing(emulator, tmp_path):
    cert, key = make_cert("raw-mqtt")
    emulator.service.enroll_individual("raw-mqtt", pem(cert))
    s = raw_connect(emulator, "raw-mqtt", f"{emulator.id_scope}/registrations/raw-mqtt/api-version=2021-06-01",
                    pem(cert), key_pem(key), tmp_path)
    assert read_packet(s)[2] == bytes([0, 0])
    # a request before SUBSCRIBE gets no answer; the next packet seen is the SUBACK
    s.sendall(_packet(0x30, _string("$dps/registrations/PUT/iotdps-register/?$rid=early") + b"{}"))
    s.sendall(_packet(0x82, struct.pack(">H", 7) + _string("$dps/registrations/res/#") + bytes([1])))
    assert read_packet(s) == (mqtt.SUBACK, 0, struct.pack(">H", 7) + bytes([1]))
    rid = "a%2Fb-{weird}:42"
    s.sendall(_packet(0x32, _string(f"$dps/registrations/PUT/iotdps-register/?$rid={rid}") + struct.pack(">H", 9)
                      + b'{"registrationId":"raw-mqtt"}'))
    assert read_packet(s) == (mqtt.PUBACK, 0, struct.pack(">H", 9))
    kind, flags, body = read_packet(s)
    topic_len = struct.unpack(">H", body[:2])[0]
    topic = body[2:2 + topic_len].decode()
    assert kind == mqtt.PUBLISH and flags == 0x02  # QoS 1
    assert topic == f"$dps/registrations/res/202/?$rid={rid}&retry-after=2"
    payload = json.loads(body[2 + topic_len + 2:])
    assert payload["status"] == "assigning"
    s.sendall(_packet(0x40, body[2 + topic_len:2 + topic_len + 2]))  # PUBACK, tolerated
    s.sendall(_packet(0xC0, b""))  # PINGREQ
    assert read_packet(s) == (mqtt.PINGRESP, 0, b"")
    s.close()


@pytest.mark.parametrize("garbage", [
    _packet(0x30, _string("no/such/topic") + b"x"),              # unknown topic
    bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),                 # remaining length > 4 bytes
    bytes([0x30, 0xFF, 0xFF, 0x7F]),                             # 2 MB packet: over the limit
    _packet(0x82, struct.pack(">H", 1)),                          # SUBSCRIBE without filters
    _packet(0x30, b"\x00\x10short"),                              # truncated topic
])
def test_malformed_packets_close_the_connection(emulator, garbage):
    s = raw_connect(emulator, "dev", f"{emulator.id_scope}/registrations/dev/api-version=2019-03-31")
    assert read_packet(s)[0] == mqtt.CONNACK
    s.sendall(garbage)
    assert s.recv(1) == b""
    s.close()


# -- the codec under hypothesis ------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_codec_rejects_garbage_cleanly(data):
    stream = iter([data[i:i + 1] for i in range(len(data))])

    def read_exactly(n):
        return b"".join(next(stream, b"") for _ in range(n))

    try:
        kind, flags, body = mqtt.read_packet(read_exactly)
        parser = {mqtt.CONNECT: mqtt.parse_connect, mqtt.PUBLISH: mqtt.parse_publish,
                  mqtt.SUBSCRIBE: mqtt.parse_subscribe}.get(kind)
        if parser:
            parser(flags, body)
    except (mqtt.MqttError, EOFError):
        pass


@settings(max_examples=200, deadline=None)
@given(topic=st.text(min_size=1, max_size=80).filter(lambda t: "+" not in t and "#" not in t and "\x00" not in t),
       payload=st.binary(max_size=2000), qos=st.integers(0, 1), packet_id=st.integers(1, 65535))
def test_publish_round_trip(topic, payload, qos, packet_id):
    raw = mqtt.publish(topic, payload, qos, packet_id)
    pos = [0]

    def read_exactly(n):
        chunk = raw[pos[0]:pos[0] + n]
        pos[0] += n
        return chunk

    kind, flags, body = mqtt.read_packet(read_exactly)
    p = mqtt.parse_publish(flags, body)
    assert (kind, p.topic, p.payload, p.qos) == (mqtt.PUBLISH, topic, payload, qos)
    assert p.packet_id == (packet_id if qos else None)
