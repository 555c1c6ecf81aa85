"""The modern blocking and asyncio API against the emulator."""

import asyncio
import socket
import threading
import time

import pytest
from cryptography.hazmat.primitives import serialization

from pki_helpers import key_pem, make_cert, pem
from provisioning_device_client.device import (ConnectionFailedError, CredentialError, OperationTimeout,
                                               ProvisioningDeviceClient, ProvisioningError, ProxyOptions,
                                               RegistrationResult, ServiceError, X509)
from provisioning_device_client.device import aio
from provisioning_device_client.dice import DiceIdentity
from provisioning_device_client.emulator import Emulator


def files(tmp_path, cert, key, pass_phrase=None):
    (tmp_path / "cert.pem").write_text(pem(cert))
    enc = (serialization.BestAvailableEncryption(pass_phrase.encode()) if pass_phrase
           else serialization.NoEncryption())
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8, enc))
    return X509(str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"), pass_phrase)


def test_register_returns_the_full_result(emulator, tmp_path):
    cert, key = make_cert("modern-1")
    emulator.service.enroll_individual("modern-1", pem(cert), device_id="modern-device")
    with ProvisioningDeviceClient.create_from_x509_certificate(
            emulator.provisioning_host, "modern-1", emulator.id_scope, files(tmp_path, cert, key),
            server_verification_cert=emulator.ca_pem) as client:
        result = client.register()
    assert isinstance(result, RegistrationResult)
    assert result.status == "assigned" and result.operation_id.startswith("4.")
    state = result.registration_state
    assert (state.device_id, state.assigned_hub, state.sub_status) == (
        "modern-device", "emulated-hub.azure-devices.net", "initialAssignment")
    assert state.etag and state.created_date_time and state.last_update_date_time
    assert state.response_payload == "null"
    assert str(result).endswith("\nassigned")


def test_encrypted_key_and_dice_factory(emulator, tmp_path):
    cert, key = make_cert("modern-enc")
    emulator.service.enroll_individual("modern-enc", pem(cert))
    x509 = files(tmp_path, cert, key, pass_phrase="hunter2")
    with ProvisioningDeviceClient.create_from_x509_certificate(
            emulator.provisioning_host, "modern-enc", emulator.id_scope, x509,
            server_verification_cert=emulator.ca_pem) as client:
        assert client.register().status == "assigned"
    identity = DiceIdentity(profile="tcg", uds=b"\x42" * 32)
    emulator.service.enroll_individual(identity.registration_id, identity.alias_cert_pem)
    with ProvisioningDeviceClient.create_from_dice(emulator.provisioning_host, emulator.id_scope, identity,
                                                   server_verification_cert=emulator.ca_pem) as client:
        assert client.register().registration_state.device_id == identity.registration_id


def test_payload_round_trip(tmp_path):
    hubs = ["hub-x.azure-devices.net"]
    with Emulator(hubs=hubs, allocator=lambda r: (hubs[0], {"welcome": r["deviceRuntimeContext"]["payload"]})) as emu:
        cert, key = make_cert("modern-pl")
        emu.service.enroll_individual("modern-pl", pem(cert))
        client = ProvisioningDeviceClient.create_from_x509_certificate(
            emu.provisioning_host, "modern-pl", emu.id_scope, files(tmp_path, cert, key),
            server_verification_cert=emu.ca_pem)
        client.provisioning_payload = {"model": "gw-2"}
        assert client.provisioning_payload == {"model": "gw-2"}
        state = client.register().registration_state
        assert state.response_payload == '{"welcome": {"model": "gw-2"}}'
        client.close()


def test_errors_map_to_the_exception_tree(emulator, tmp_path):
    cert, key = make_cert("modern-err")
    x509 = files(tmp_path, cert, key)

    def client(**kw):
        return ProvisioningDeviceClient.create_from_x509_certificate(
            emulator.provisioning_host, "modern-err", emulator.id_scope, x509, **kw)

    with pytest.raises(CredentialError, match="401002") as info:
        client(server_verification_cert=emulator.ca_pem).register()
    assert isinstance(info.value, ProvisioningError)
    emulator.service.enroll_individual("modern-err", pem(cert), disabled=True)
    with pytest.raises(ServiceError) as info:
        client(server_verification_cert=emulator.ca_pem).register()
    assert info.value.status == "disabled"
    other_ca, _ = make_cert("Not The Emulator CA", ca=True)
    with pytest.raises(ConnectionFailedError):
        client(server_verification_cert=pem(other_ca)).register()


def test_failed_allocation_carries_the_error_code(tmp_path):
    def broken(request):
        raise RuntimeError("webhook down")
    with Emulator(allocator=broken) as emu:
        cert, key = make_cert("modern-alloc")
        emu.service.enroll_individual("modern-alloc", pem(cert))
        with pytest.raises(ServiceError) as info:
            ProvisioningDeviceClient.create_from_x509_certificate(
                emu.provisioning_host, "modern-alloc", emu.id_scope, files(tmp_path, cert, key),
                server_verification_cert=emu.ca_pem).register()
        assert info.value.error_code == 400207 and info.value.status == "failed"


def silent_server():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    held = []
    threading.Thread(target=lambda: [held.append(server.accept()) for _ in range(4)], daemon=True).start()
    return server


def test_timeout(tmp_path):
    server = silent_server()
    cert, key = make_cert("modern-slow")
    client = ProvisioningDeviceClient.create_from_x509_certificate(
        f"127.0.0.1:{server.getsockname()[1]}", "modern-slow", "0ne00000000", files(tmp_path, cert, key), timeout=2)
    start = time.monotonic()
    with pytest.raises(OperationTimeout):
        client.register()
    assert time.monotonic() - start < 10
    server.close()


def test_bad_arguments(tmp_path):
    cert, key = make_cert("modern-args")
    x509 = files(tmp_path, cert, key)
    with pytest.raises(ValueError, match="transport"):
        ProvisioningDeviceClient.create_from_x509_certificate("h", "r", "s", x509, transport="carrier-pigeon")
    with pytest.raises(ValueError, match="timeout"):
        ProvisioningDeviceClient.create_from_x509_certificate("h", "r", "s", x509, timeout=0)
    with pytest.raises(ValueError):
        ProvisioningDeviceClient.create_from_x509_certificate("h", "", "s", x509)
    with pytest.raises(ValueError, match="SOCKS5"):
        ProxyOptions("SOCKS5", "proxy", 1080)
    client = ProvisioningDeviceClient.create_from_x509_certificate("h", "r", "s", x509)
    with pytest.raises(TypeError):
        client.provisioning_payload = {1, 2}  # not JSON-serialisable
    client.close()
    with pytest.raises(ProvisioningError, match="closed"):
        client.register()


def test_async_register_does_not_block_the_loop(emulator, tmp_path):
    cert, key = make_cert("modern-aio")
    emulator.service.enroll_individual("modern-aio", pem(cert))

    async def main():
        client = aio.ProvisioningDeviceClient.create_from_x509_certificate(
            emulator.provisioning_host, "modern-aio", emulator.id_scope, files(tmp_path, cert, key),
            server_verification_cert=emulator.ca_pem)
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        tick_task = asyncio.ensure_future(ticker())
        result = await client.register()
        tick_task.cancel()
        await client.shutdown_async()
        return result, ticks

    result, ticks = asyncio.run(main())
    assert result.status == "assigned"
    assert ticks >= 10  # the registration takes ~2 s (retry-after); the loop kept running


def test_async_cancellation_tears_down(tmp_path):
    server = silent_server()
    cert, key = make_cert("modern-cancel")

    async def main():
        client = aio.ProvisioningDeviceClient.create_from_x509_certificate(
            f"127.0.0.1:{server.getsockname()[1]}", "modern-cancel", "0ne00000000", files(tmp_path, cert, key))
        task = asyncio.ensure_future(client.register())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return client

    client = asyncio.run(main())
    with pytest.raises(ProvisioningError, match="closed"):
        asyncio.run(client.register())
    server.close()
