"""A client of the emulator's service API: what the CLI management commands, the Python
API and the tests use to enroll devices and inspect the hub."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional

from ..errors import ProvisioningError
from . import sas


class EmulatorError(ProvisioningError):
    """The emulator refused a service request (status and DPS error code attached)."""

    def __init__(self, status: int, error_code: Optional[int], message: str) -> None:
        super().__init__(f"{status} {error_code or ''} {message}".replace("  ", " "))
        self.status, self.error_code, self.message = status, error_code, message


def parse_connection_string(text: str) -> Dict[str, str]:
    fields = dict(part.split("=", 1) for part in text.strip().split(";") if "=" in part)
    missing = {"HostName", "SharedAccessKey"} - set(fields)
    if missing:
        raise ValueError(f"connection string lacks {', '.join(sorted(missing))}")
    fields.setdefault("SharedAccessKeyName", sas.POLICY_NAME)
    return fields


class ServiceClient:
    def __init__(self, connection_string: str, ca_file: Optional[str] = None, timeout: float = 30) -> None:
        f = parse_connection_string(connection_string)
        self.host, self.key, self.policy = f["HostName"], f["SharedAccessKey"], f["SharedAccessKeyName"]
        self._ctx = ssl.create_default_context(cafile=ca_file)
        self._timeout = timeout

    def request(self, method: str, path: str, body: Any = None) -> Any:
        token = sas.sign(self.key, self.host, int(time.time()) + 3600, self.policy)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"https://{self.host}/{path.lstrip('/')}?api-version=2021-10-01",
                                     data=data, method=method,
                                     headers={"Authorization": token, "Content-Type": "application/json",
                                              "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self._ctx, timeout=self._timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            try:
                err = json.loads(e.read() or b"{}")
            except ValueError:
                err = {}
            raise EmulatorError(e.code, err.get("errorCode"), err.get("message", e.reason)) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise EmulatorError(0, None, f"cannot reach the emulator at {self.host}: {reason}") from None
        return json.loads(raw) if raw else None

    @staticmethod
    def _q(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    # -- enrollments ------------------------------------------------------------------------
    def enroll_individual(self, registration_id: str, certificate_pem: str, *, device_id: Optional[str] = None,
                          disabled: bool = False, initial_twin: Optional[Dict[str, Any]] = None,
                          iot_hubs: Optional[List[str]] = None) -> Dict[str, Any]:
        doc: Dict[str, Any] = {
            "registrationId": registration_id,
            "attestation": {"type": "x509", "x509": {"clientCertificates": {"primary": {"certificate": certificate_pem}}}},
            "provisioningStatus": "disabled" if disabled else "enabled",
        }
        if device_id:
            doc["deviceId"] = device_id
        if initial_twin is not None:
            doc["initialTwin"] = initial_twin
        if iot_hubs:
            doc["iotHubs"], doc["allocationPolicy"] = iot_hubs, "static"
        return self.request("PUT", f"enrollments/{self._q(registration_id)}", doc)  # type: ignore[no-any-return]

    def enroll_group(self, group_id: str, *, ca_pem: Optional[str] = None, ca_name: Optional[str] = None,
                     disabled: bool = False, initial_twin: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        if (ca_pem is None) == (ca_name is None):
            raise ValueError("give exactly one of ca_pem (signing certificate) or ca_name (uploaded CA)")
        x509_att: Dict[str, Any] = ({"signingCertificates": {"primary": {"certificate": ca_pem}}} if ca_pem
                                    else {"caReferences": {"primary": ca_name}})
        doc: Dict[str, Any] = {"enrollmentGroupId": group_id, "attestation": {"type": "x509", "x509": x509_att},
                               "provisioningStatus": "disabled" if disabled else "enabled"}
        if initial_twin is not None:
            doc["initialTwin"] = initial_twin
        return self.request("PUT", f"enrollmentGroups/{self._q(group_id)}", doc)  # type: ignore[no-any-return]

    def enrollment(self, registration_id: str) -> Dict[str, Any]:
        return self.request("GET", f"enrollments/{self._q(registration_id)}")  # type: ignore[no-any-return]

    def enrollment_group(self, group_id: str) -> Dict[str, Any]:
        return self.request("GET", f"enrollmentGroups/{self._q(group_id)}")  # type: ignore[no-any-return]

    def enrollments(self) -> List[Dict[str, Any]]:
        return self.request("POST", "enrollments/query", {"query": "*"})  # type: ignore[no-any-return]

    def enrollment_groups(self) -> List[Dict[str, Any]]:
        return self.request("POST", "enrollmentGroups/query", {"query": "*"})  # type: ignore[no-any-return]

    def delete_enrollment(self, registration_id: str) -> None:
        self.request("DELETE", f"enrollments/{self._q(registration_id)}")

    def delete_enrollment_group(self, group_id: str) -> None:
        self.request("DELETE", f"enrollmentGroups/{self._q(group_id)}")

    # -- CA certificates (proof of possession) ------------------------------------------------
    def upload_ca(self, name: str, certificate_pem: str, *, verified: bool = False) -> Dict[str, Any]:
        return self.request("PUT", f"certificates/{self._q(name)}",  # type: ignore[no-any-return]
                            {"certificate": certificate_pem, "isVerified": verified})

    def generate_verification_code(self, name: str) -> str:
        return self.request("POST", f"certificates/{self._q(name)}/generateVerificationCode")["verificationCode"]  # type: ignore[no-any-return]

    def verify_ca(self, name: str, verification_certificate_pem: str) -> Dict[str, Any]:
        return self.request("POST", f"certificates/{self._q(name)}/verify",  # type: ignore[no-any-return]
                            {"certificate": verification_certificate_pem})

    def certificates(self) -> List[Dict[str, Any]]:
        return self.request("GET", "certificates")  # type: ignore[no-any-return]

    # -- registrations and the hub ------------------------------------------------------------
    def registrations(self) -> List[Dict[str, Any]]:
        return self.request("GET", "registrations")  # type: ignore[no-any-return]

    def registration(self, registration_id: str) -> Dict[str, Any]:
        return self.request("GET", f"registrations/{self._q(registration_id)}")  # type: ignore[no-any-return]

    def delete_registration(self, registration_id: str) -> None:
        self.request("DELETE", f"registrations/{self._q(registration_id)}")

    def hub_devices(self) -> List[Dict[str, Any]]:
        return self.request("GET", "hub/devices")  # type: ignore[no-any-return]

    def hub_device(self, device_id: str) -> Dict[str, Any]:
        return self.request("GET", f"hub/devices/{self._q(device_id)}")  # type: ignore[no-any-return]

    def delete_hub_device(self, device_id: str) -> None:
        self.request("DELETE", f"hub/devices/{self._q(device_id)}")
