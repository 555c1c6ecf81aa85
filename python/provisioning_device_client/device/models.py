"""Registration results and credentials, named as in azure-iot-device so its users can switch."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Union


class RegistrationState:
    """registrationState of a DPS answer."""

    def __init__(self, device_id: Optional[str] = None, assigned_hub: Optional[str] = None,
                 sub_status: Optional[str] = None, created_date_time: Optional[str] = None,
                 last_update_date_time: Optional[str] = None, etag: Optional[str] = None,
                 payload: Any = None) -> None:
        self._device_id, self._assigned_hub, self._sub_status = device_id, assigned_hub, sub_status
        self._created, self._updated, self._etag, self._payload = created_date_time, last_update_date_time, etag, payload

    @property
    def device_id(self) -> Optional[str]:
        return self._device_id

    @property
    def assigned_hub(self) -> Optional[str]:
        return self._assigned_hub

    @property
    def sub_status(self) -> Optional[str]:
        return self._sub_status

    @property
    def created_date_time(self) -> Optional[str]:
        return self._created

    @property
    def last_update_date_time(self) -> Optional[str]:
        return self._updated

    @property
    def etag(self) -> Optional[str]:
        return self._etag

    @property
    def response_payload(self) -> str:
        """The service payload as JSON text ("null" when there is none)."""
        return json.dumps(self._payload)

    def __str__(self) -> str:
        return "\n".join([str(self.device_id), str(self.assigned_hub), str(self.sub_status), self.response_payload])


class RegistrationResult:
    def __init__(self, operation_id: str, status: str, registration_state: Optional[RegistrationState] = None) -> None:
        self._operation_id, self._status, self._state = operation_id, status, registration_state

    @property
    def operation_id(self) -> str:
        return self._operation_id

    @property
    def status(self) -> str:
        return self._status

    @property
    def registration_state(self) -> Optional[RegistrationState]:
        return self._state

    def __str__(self) -> str:
        return f"{self.registration_state}\n{self.status}"

    @classmethod
    def from_json(cls, doc: Dict[str, Any]) -> "RegistrationResult":
        state = doc.get("registrationState") or {}
        return cls(str(doc.get("operationId", "")), str(doc.get("status", "")), RegistrationState(
            state.get("deviceId"), state.get("assignedHub"), state.get("substatus"), state.get("createdDateTimeUtc"),
            state.get("lastUpdatedDateTimeUtc"), state.get("etag"), state.get("payload")))


PathLike = Union[str, "os.PathLike[str]"]


class X509:
    """A device certificate (leaf first, then its chain) and private key, from files."""

    def __init__(self, cert_file: PathLike, key_file: PathLike, pass_phrase: Optional[str] = None) -> None:
        self._cert_file, self._key_file, self._pass_phrase = cert_file, key_file, pass_phrase

    @property
    def certificate_file(self) -> PathLike:
        return self._cert_file

    @property
    def key_file(self) -> PathLike:
        return self._key_file

    @property
    def pass_phrase(self) -> Optional[str]:
        return self._pass_phrase

    def _pem_pair(self) -> "tuple[str, str]":
        """(certificate chain PEM, unencrypted key PEM); an encrypted key is decrypted in memory."""
        with open(self._cert_file, encoding="ascii") as f:
            cert = f.read()
        with open(self._key_file, "rb") as f:
            raw = f.read()
        if self._pass_phrase is None:
            return cert, raw.decode("ascii")
        from cryptography.hazmat.primitives import serialization  # only for encrypted keys (import cost)
        key = serialization.load_pem_private_key(raw, self._pass_phrase.encode())
        return cert, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()).decode("ascii")


class ProxyOptions:
    """An HTTP CONNECT proxy (azure-iot-device's ProxyOptions; only "HTTP" is supported)."""

    def __init__(self, proxy_type: str, proxy_addr: str, proxy_port: int, proxy_username: Optional[str] = None,
                 proxy_password: Optional[str] = None) -> None:
        if str(proxy_type).upper() != "HTTP":
            raise ValueError(f"proxy_type {proxy_type!r} is not supported (only 'HTTP')")
        if not isinstance(proxy_port, int) or not 0 < proxy_port < 65536:
            raise ValueError("proxy_port must be 1-65535")
        self.proxy_type, self.proxy_address, self.proxy_port = "HTTP", proxy_addr, proxy_port
        self.proxy_username, self.proxy_password = proxy_username, proxy_password
