"""The emulator's service API: SAS authentication, enrollments, CA proof of possession."""

import time

import pytest

from pki_helpers import make_cert, pem
from provisioning_device_client.emulator import EmulatorError, ServiceClient
from provisioning_device_client.emulator import sas


def client_with(emulator, key=None, policy="provisioningserviceowner"):
    cs = (f"HostName={emulator.provisioning_host};SharedAccessKeyName={policy};"
          f"SharedAccessKey={key or emulator.service_key}")
    return ServiceClient(cs, str(emulator.ca_cert_path))


def test_sas_rejections(emulator):
    other_key = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="
    with pytest.raises(EmulatorError) as info:
        client_with(emulator, key=other_key).enrollments()
    assert info.value.status == 401 and "bad signature" in info.value.message
    with pytest.raises(EmulatorError, match="unknown key name"):
        client_with(emulator, policy="registryRead").enrollments()
    expired = sas.sign(emulator.service_key, emulator.provisioning_host, int(time.time()) - 10)
    client = client_with(emulator)
    assert sas.verify(expired, emulator.service_key, emulator.provisioning_host) == "token expired"
    assert sas.verify("garbage", emulator.service_key, emulator.provisioning_host) == "malformed token"
    wrong_resource = sas.sign(emulator.service_key, "other-host", int(time.time()) + 60)
    assert sas.verify(wrong_resource, emulator.service_key, emulator.provisioning_host) == \
        "token is for another resource"
    assert client.enrollments() == []  # the right key works
    # the error never echoes the signature
    assert "sig=" not in info.value.message


def test_missing_and_expired_tokens_over_the_wire(emulator):
    client = client_with(emulator)
    import urllib.request, ssl, json  # noqa: E401
    ctx = ssl.create_default_context(cafile=str(emulator.ca_cert_path))
    for token in (None, sas.sign(emulator.service_key, emulator.provisioning_host, int(time.time()) - 5)):
        req = urllib.request.Request(f"https://{emulator.provisioning_host}/enrollments/query", data=b"{}",
                                     method="POST", headers={"Authorization": token} if token else {})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, context=ctx)
        assert e.value.code == 401 and json.loads(e.value.read())["errorCode"] == 401002
    assert client.enrollments() == []


def test_enrollment_crud(emulator):
    svc = emulator.service
    cert, _ = make_cert("crud-1")
    doc = svc.enroll_individual("crud-1", pem(cert), device_id="d1")
    assert doc["provisioningStatus"] == "enabled" and doc["etag"]
    assert doc["attestation"]["x509"]["clientCertificates"]["primary"]["info"]["subjectName"] == "CN=crud-1"
    again = svc.enroll_individual("crud-1", pem(cert), disabled=True)
    assert again["createdDateTimeUtc"] == doc["createdDateTimeUtc"] and again["etag"] != doc["etag"]
    assert svc.enrollment("crud-1")["provisioningStatus"] == "disabled"
    assert [e["registrationId"] for e in svc.enrollments()] == ["crud-1"]
    svc.delete_enrollment("crud-1")
    with pytest.raises(EmulatorError) as info:
        svc.enrollment("crud-1")
    assert info.value.status == 404 and info.value.error_code == 404202
    with pytest.raises(EmulatorError) as info:
        svc.delete_enrollment("crud-1")
    assert info.value.status == 404


def test_enrollment_validation(emulator):
    svc = emulator.service
    with pytest.raises(EmulatorError, match="PEM"):
        svc.enroll_individual("bad-1", "not a certificate")
    with pytest.raises(EmulatorError, match="x509"):
        svc.request("PUT", "enrollments/bad-2", {"registrationId": "bad-2", "attestation": {"type": "tpm"}})
    with pytest.raises(EmulatorError, match="does not match"):
        svc.request("PUT", "enrollments/bad-3", {"registrationId": "other", "attestation": {}})
    with pytest.raises(EmulatorError) as info:
        svc.enroll_group("g", ca_name="no-such-ca")
    assert info.value.status == 404
    with pytest.raises(EmulatorError) as info:
        svc.request("GET", "nothing/here")
    assert info.value.status == 404


def test_proof_of_possession(emulator):
    svc = emulator.service
    root = make_cert("PoP Root", ca=True)
    code = svc.upload_ca("pop", pem(root[0]))["verificationCode"]
    wrong_cn, _ = make_cert("not-the-code", root)
    with pytest.raises(EmulatorError, match="verification code"):
        svc.verify_ca("pop", pem(wrong_cn))
    impostor = make_cert("Impostor", ca=True)
    forged, _ = make_cert(code, impostor)
    with pytest.raises(EmulatorError, match="not signed"):
        svc.verify_ca("pop", pem(forged))
    new_code = svc.generate_verification_code("pop")
    assert new_code != code
    proof, _ = make_cert(new_code, root)
    assert svc.verify_ca("pop", pem(proof))["isVerified"]
    assert [(c["name"], c["isVerified"]) for c in svc.certificates()] == [("pop", True)]
    with pytest.raises(EmulatorError, match="no verification code"):
        svc.verify_ca("pop", pem(proof))


def test_registration_records(emulator, raw_device):
    cert, key = make_cert("rec-1")
    from pki_helpers import key_pem
    emulator.service.enroll_individual("rec-1", pem(cert))
    raw_device(pem(cert), key_pem(key), "rec-1").register_and_poll()
    assert [r["registrationId"] for r in emulator.service.registrations()] == ["rec-1"]
    assert emulator.service.registration("rec-1")["status"] == "assigned"
    emulator.service.delete_registration("rec-1")
    assert emulator.service.registrations() == []
    emulator.service.delete_hub_device("rec-1")
    assert emulator.service.hub_devices() == []
