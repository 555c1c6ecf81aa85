"""The emulator's HTTPS device API against independent clients (stdlib http.client/ssl with
client certificates made by pyca/cryptography or by our DICE engine)."""

import socket
import ssl
import time

import pytest

from pki_helpers import key_pem, make_cert, pem
from provisioning_device_client.dice import DiceIdentity
from provisioning_device_client.emulator import Emulator


def test_individual_dice_device_registers(emulator, raw_device):
    dice = DiceIdentity()
    emulator.service.enroll_individual(dice.registration_id, dice.alias_cert_pem)
    dev = raw_device(dice.chain_pem, dice.alias_key_pem, dice.registration_id)
    status, body, headers = dev.register()
    assert status == 202 and body["status"] == "assigning"
    assert body["operationId"].startswith("4.") and headers["retry-after"] == "2"
    status, body, _ = dev.poll(body["operationId"])  # same kept-alive connection
    assert status == 200 and body["status"] == "assigned"
    state = body["registrationState"]
    assert state["assignedHub"] == "emulated-hub.azure-devices.net"
    assert state["deviceId"] == "riot-device-cert" and state["substatus"] == "initialAssignment"
    assert state["x509"] == {} and state["etag"] and state["createdDateTimeUtc"].endswith("Z")
    device = emulator.service.hub_device("riot-device-cert")
    assert device["status"] == "enabled" and device["authenticationType"] == "selfSigned"


def test_individual_pem_device_with_device_id_and_twin(emulator, raw_device):
    cert, key = make_cert("pem-device-01")
    twin = {"tags": {"floor": 3}, "properties": {"desired": {"interval": 30}}}
    emulator.service.enroll_individual("pem-device-01", pem(cert), device_id="pump-7", initial_twin=twin)
    status, body, _ = raw_device(pem(cert), key_pem(key), "pem-device-01").register_and_poll()
    assert status == 200 and body["registrationState"]["deviceId"] == "pump-7"
    assert emulator.service.hub_device("pump-7")["desiredProperties"] == {"interval": 30}


def group_pki():
    root = make_cert("Contoso Root", ca=True)
    inter = make_cert("Contoso Intermediate", root, ca=True)
    return root, inter


@pytest.mark.parametrize("enroll_on", ["root-reference", "intermediate"])
def test_group_enrollment_with_intermediate_in_chain(emulator, raw_device, enroll_on):
    root, inter = group_pki()
    uploaded = emulator.service.upload_ca("contoso-root", pem(root[0]))
    assert not uploaded["isVerified"] and len(uploaded["verificationCode"]) == 48
    proof, _ = make_cert(uploaded["verificationCode"], root)
    assert emulator.service.verify_ca("contoso-root", pem(proof))["isVerified"]
    if enroll_on == "root-reference":
        emulator.service.enroll_group("contoso", ca_name="contoso-root")
    else:
        emulator.service.enroll_group("contoso", ca_pem=pem(inter[0]))
    leaf, leaf_key = make_cert("group-device-1", inter)
    status, body, _ = raw_device(pem(leaf) + pem(inter[0]), key_pem(leaf_key), "group-device-1").register_and_poll()
    assert status == 200, body
    assert body["registrationState"]["x509"] == {"enrollmentGroupId": "contoso"}
    assert emulator.service.hub_device("group-device-1")["authenticationType"] == "certificateAuthority"


def test_group_device_missing_intermediate_is_refused(emulator, raw_device):
    root, inter = group_pki()
    emulator.service.upload_ca("root", pem(root[0]), verified=True)
    emulator.service.enroll_group("g", ca_name="root")
    leaf, key = make_cert("dev-x", inter)
    status, body, _ = raw_device(pem(leaf), key_pem(key), "dev-x").register()  # intermediate not sent
    assert status == 401 and body["errorCode"] == 401002


def test_unverified_group_ca_is_refused(emulator, raw_device):
    root, inter = group_pki()
    emulator.service.enroll_group("g", ca_pem=pem(root[0]))  # never proven
    leaf, key = make_cert("dev-y", inter)
    status, body, _ = raw_device(pem(leaf) + pem(inter[0]), key_pem(key), "dev-y").register()
    assert status == 401 and body["errorCode"] == 401002 and "not verified" in body["message"]


def test_disabled_enrollments(emulator, raw_device):
    cert, key = make_cert("off-1")
    emulator.service.enroll_individual("off-1", pem(cert), disabled=True)
    status, body, _ = raw_device(pem(cert), key_pem(key), "off-1").register()
    assert status == 200 and body["status"] == "disabled"
    assert body["registrationState"] == {"registrationId": "off-1", "status": "disabled"}
    # a disabled group blocks its devices (no fallback to a broader group)
    root, inter = group_pki()
    emulator.service.upload_ca("root", pem(root[0]), verified=True)
    emulator.service.enroll_group("broad", ca_name="root")
    emulator.service.enroll_group("narrow", ca_pem=pem(inter[0]), disabled=True)
    leaf, leaf_key = make_cert("dev-z", inter)
    status, body, _ = raw_device(pem(leaf) + pem(inter[0]), key_pem(leaf_key), "dev-z").register()
    assert status == 200 and body["status"] == "disabled"
    with pytest.raises(Exception):
        emulator.service.hub_device("dev-z")


@pytest.mark.parametrize("case", ["unknown", "wrong-cn", "other-key", "no-cert", "expired", "wrong-scope"])
def test_authentication_failures(emulator, raw_device, case):
    enrolled, enrolled_key = make_cert("known-1")
    emulator.service.enroll_individual("known-1", pem(enrolled))
    cert, key, rid = enrolled, enrolled_key, "known-1"
    if case == "unknown":
        cert, key = make_cert("stranger")
        rid = "stranger"
    elif case == "wrong-cn":
        rid = "someone-else"
    elif case == "other-key":
        cert, key = make_cert("known-1")
    elif case == "expired":
        cert, key = make_cert("known-1", days=-1, not_before_days=-10)
        emulator.service.enroll_individual("known-1", pem(cert))
    dev = raw_device(None if case == "no-cert" else pem(cert), key_pem(key), rid)
    if case == "wrong-scope":
        dev.scope = "0ne00000000"
    status, body, _ = dev.register()
    assert status == 401 and body["errorCode"] == 401002
    assert set(body) >= {"errorCode", "trackingId", "message", "timestampUtc"}


def test_bad_requests(emulator, raw_device):
    cert, key = make_cert("dev-b")
    emulator.service.enroll_individual("dev-b", pem(cert))
    dev = raw_device(pem(cert), key_pem(key), "dev-b")
    path = f"/{dev.scope}/registrations/dev-b/register"
    assert dev.request("PUT", path, b"{not json")[0] == 400
    status, body, _ = dev.request("PUT", path, b'{"registrationId": "other"}')
    assert status == 400 and body["errorCode"] == 400001
    assert dev.request("PUT", path, b"[1, 2]")[0] == 400
    status, body, _ = dev.poll("4.0000000000000000.00000000-0000-0000-0000-000000000000")
    assert status == 404 and body["errorCode"] == 404201
    assert dev.request("GET", f"/{dev.scope}/registrations/dev-b/nowhere")[0] == 404


def test_oversize_body_is_refused(emulator, raw_device):
    cert, key = make_cert("dev-big")
    emulator.service.enroll_individual("dev-big", pem(cert))
    dev = raw_device(pem(cert), key_pem(key), "dev-big")
    status, body, headers = dev.register(body={"registrationId": "dev-big", "payload": "x" * (97 * 1024)})
    assert status == 413 and headers.get("connection") == "close"


def test_user_agent_header_variants_and_null_payload(emulator, raw_device):
    cert, key = make_cert("dev-ua")
    emulator.service.enroll_individual("dev-ua", pem(cert))
    dev = raw_device(pem(cert), key_pem(key), "dev-ua")
    for header in ("UserAgent", "User-Agent"):
        status, _, _ = dev.request("PUT", f"/{dev.scope}/registrations/dev-ua/register?api-version=2019-03-31",
                                   b'{"registrationId":"dev-ua","payload":null}',
                                   {header: "prov_device_client/1.0", "Content-Type": "application/json"})
        assert status == 202


def test_polling_is_rate_limited(emulator, raw_device):
    cert, key = make_cert("dev-poll")
    emulator.service.enroll_individual("dev-poll", pem(cert))
    dev = raw_device(pem(cert), key_pem(key), "dev-poll")
    op = dev.register()[1]["operationId"]
    statuses = [dev.poll(op) for _ in range(6)]
    assert [s[0] for s in statuses[:5]] == [200] * 5
    status, body, headers = statuses[5]
    assert status == 429 and body["errorCode"] == 429001 and int(headers["retry-after"]) >= 1


def test_repeated_registration_keeps_hub_and_device(emulator, raw_device):
    cert, key = make_cert("dev-again")
    emulator.service.enroll_individual("dev-again", pem(cert))
    dev = raw_device(pem(cert), key_pem(key), "dev-again")
    first = dev.register_and_poll()[1]["registrationState"]
    second = dev.register_and_poll()[1]["registrationState"]
    assert (first["assignedHub"], first["deviceId"]) == (second["assignedHub"], second["deviceId"])
    assert first["etag"] != second["etag"] and second["substatus"] == "deviceDataMigrated"
    assert first["createdDateTimeUtc"] == second["createdDateTimeUtc"]


def test_allocation_hook_payload_and_failures(tmp_path):
    hubs = ["hub-a.azure-devices.net", "hub-b.azure-devices.net"]

    def allocator(request):
        payload = request["deviceRuntimeContext"]["payload"]
        if payload == {"fail": True}:
            raise RuntimeError("webhook down")
        return hubs[1], {"echo": payload}

    with Emulator(hubs=hubs, allocator=allocator) as emu:
        cert, key = make_cert("dev-hook")
        emu.service.enroll_individual("dev-hook", pem(cert))
        from conftest import RawDevice
        dev = RawDevice(emu, pem(cert), key_pem(key), tmp_path, "dev-hook")
        op = dev.register(body={"registrationId": "dev-hook", "payload": {"model": "x1"}})[1]["operationId"]
        state = dev.poll(op)[1]["registrationState"]
        assert state["assignedHub"] == hubs[1] and state["payload"] == {"echo": {"model": "x1"}}
        op = dev.register(body={"registrationId": "dev-hook", "payload": {"fail": True}})[1]["operationId"]
        status, body, _ = dev.poll(op)
        assert status == 200 and body["status"] == "failed"
        assert body["registrationState"]["errorCode"] == 400207


def test_hashed_allocation_spreads_devices_and_no_hub_fails(tmp_path):
    from conftest import RawDevice
    hubs = [f"hub-{i}.azure-devices.net" for i in range(3)]
    with Emulator(hubs=hubs) as emu:
        seen = set()
        for i in range(12):
            cert, key = make_cert(f"spread-{i}")
            emu.service.enroll_individual(f"spread-{i}", pem(cert))
            dev = RawDevice(emu, pem(cert), key_pem(key), tmp_path, f"spread-{i}")
            seen.add(dev.register_and_poll()[1]["registrationState"]["assignedHub"])
        assert len(seen) > 1 and seen <= set(hubs)
    with Emulator(hubs=[]) as emu:
        cert, key = make_cert("lonely")
        emu.service.enroll_individual("lonely", pem(cert))
        status, body, _ = RawDevice(emu, pem(cert), key_pem(key), tmp_path, "lonely").register_and_poll()
        assert body["status"] == "failed" and body["registrationState"]["errorCode"] == 400208


def _tls_connect(emu):
    ctx = ssl.create_default_context(cafile=str(emu.ca_cert_path))
    sock = socket.create_connection(("127.0.0.1", emu.port), timeout=10)
    return ctx.wrap_socket(sock, server_hostname="localhost")


def test_idle_connections_are_closed():
    with Emulator(idle_timeout=0.5) as emu:
        s = _tls_connect(emu)
        start = time.monotonic()
        assert s.recv(1) == b""  # the emulator hung up on the silent client
        assert time.monotonic() - start < 5
        s.close()


def test_connection_limit():
    with Emulator(max_connections=1, idle_timeout=3) as emu:
        first = _tls_connect(emu)
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            second = _tls_connect(emu)
            second.recv(1) or (_ for _ in ()).throw(ConnectionError("closed"))
        first.close()


def test_unknown_protocol_is_dropped(emulator):
    s = _tls_connect(emulator)
    s.sendall(b"\x00\x01garbage")
    assert s.recv(1) == b""
    s.close()
