"""Runs in a separate venv with azure-iot-device 2.14 (it pins paho-mqtt 1.x): provisions one
X.509 device through the emulator and prints the result as JSON.

usage: azure_iot_device_register.py HOST SCOPE REGISTRATION_ID CERT_FILE KEY_FILE CA_FILE WEBSOCKETS(0|1)"""

import json
import sys

from azure.iot.device import ProvisioningDeviceClient, X509
from azure.iot.device.exceptions import ClientError


def main() -> int:
    host, scope, registration_id, cert, key, ca_file, websockets = sys.argv[1:8]
    with open(ca_file) as f:
        ca = f.read()
    client = ProvisioningDeviceClient.create_from_x509_certificate(
        provisioning_host=host, registration_id=registration_id, id_scope=scope, x509=X509(cert, key),
        server_verification_cert=ca, websockets=websockets == "1")
    try:
        result = client.register()
    except ClientError as e:
        cause = e.__cause__
        print(json.dumps({"error": type(e).__name__, "cause": f"{type(cause).__name__}: {cause}" if cause else None}))
        return 1
    state = result.registration_state
    print(json.dumps({"status": result.status, "operation_id": result.operation_id, "hub": state.assigned_hub,
                      "device_id": state.device_id, "sub_status": state.sub_status}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
