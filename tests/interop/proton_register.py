"""An independent AMQP 1.0 peer: a plain python-qpid-proton client (its own TLS and SASL
ANONYMOUS, its blocking API) performs a DPS registration the way the Node and C# SDKs do:
relative link address, a GUID correlation-id, a data-section register request and status
queries whose body is an amqp-value string. Prints each answer and the outcome as JSON.

usage: proton_register.py HOST:PORT SCOPE REGISTRATION_ID CERT_FILE KEY_FILE CA_FILE"""

import json
import sys
import uuid

from proton import Delivery, Message, SSLDomain, symbol
from proton.reactor import LinkOption
from proton.utils import BlockingConnection, SendException

API_VERSION = "2021-06-01"


class DpsAttach(LinkOption):
    def apply(self, link):
        link.properties = {symbol("com.microsoft:api-version"): API_VERSION,
                           symbol("com.microsoft:client-version"): "proton-interop/1.0"}


def request(sender, receiver, properties, body, inferred):
    correlation_id = str(uuid.uuid4())
    sender.send(Message(body=body, inferred=inferred, correlation_id=correlation_id, properties=properties))
    answer = receiver.receive(timeout=30)
    receiver.accept()
    retry_after = {k: v for k, v in (answer.properties or {}).items() if k.lower() == "retry-after"}
    print(json.dumps({"correlation_id_copied": answer.correlation_id == correlation_id,
                      "retry_after": retry_after, "body": json.loads(bytes(answer.body))}))
    return json.loads(bytes(answer.body))


def main() -> int:
    host, scope, registration_id, cert, key, ca_file = sys.argv[1:7]
    domain = SSLDomain(SSLDomain.MODE_CLIENT)
    domain.set_credentials(cert, key, None)
    domain.set_trusted_ca_db(ca_file)
    domain.set_peer_authentication(SSLDomain.VERIFY_PEER_NAME)
    connection = BlockingConnection(f"amqps://{host}", ssl_domain=domain, allowed_mechs="ANONYMOUS",
                                    timeout=30)
    try:
        address = f"{scope}/registrations/{registration_id}"
        receiver = connection.create_receiver(address, options=DpsAttach())
        sender = connection.create_sender(address, options=DpsAttach())
        body = json.dumps({"registrationId": registration_id}).encode()
        try:
            state = request(sender, receiver, {"iotdps-operation-type": "iotdps-register",
                                               "iotdps-forceRegistration": False}, body, True)
        except SendException as e:  # the service rejected the request delivery
            print(json.dumps({"error": "rejected" if e.state == Delivery.REJECTED else str(e.state)}))
            return 1
        for _ in range(10):
            if state.get("status") != "assigning":
                break
            state = request(sender, receiver, {"iotdps-operation-type": "iotdps-get-operationstatus",
                                               "iotdps-operation-id": state["operationId"]},
                            "iotdps-get-operationstatus", False)
        registration = state.get("registrationState", {})
        print(json.dumps({"status": state.get("status"), "hub": registration.get("assignedHub"),
                          "device_id": registration.get("deviceId")}))
        return 0 if state.get("status") == "assigned" else 1
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
