"""One registration in this process, then exit 0 on success: the unit the client benchmark
measures from outside (wall, CPU, peak RSS). Runs with our venv or azure-iot-device's.

usage: one_registration.py ours|azure-iot-device TRANSPORT HOST PORT SCOPE REG_ID CERT KEY CA"""

import sys


def ours(transport, host, port, scope, reg_id, cert, key, ca):
    from provisioning_device_client.device import ProvisioningDeviceClient, X509
    client = ProvisioningDeviceClient.create_from_x509_certificate(
        f"{host}:{port}", reg_id, scope, X509(cert, key), transport=transport,
        server_verification_cert=open(ca).read())
    return client.register().status


def azure_iot_device(transport, host, port, scope, reg_id, cert, key, ca):
    from azure.iot.device import ProvisioningDeviceClient, X509  # MQTT on 8883 only
    client = ProvisioningDeviceClient.create_from_x509_certificate(
        provisioning_host=host, registration_id=reg_id, id_scope=scope, x509=X509(cert, key),
        server_verification_cert=open(ca).read())
    return client.register().status


if __name__ == "__main__":
    which, *args = sys.argv[1:]
    status = (ours if which == "ours" else azure_iot_device)(*args)
    sys.exit(0 if status == "assigned" else 1)
