"""The registration engine shared by every device front end (HTTPS now; MQTT and AMQP later).

A front end hands it (scope, registration id, request body, the certificate chain the device
presented in TLS) and gets back a Reply: an HTTP-style status, a JSON body and a retry-after.
The wire mapping is the front end's business (dps-protocol.md section 8).
"""

from __future__ import annotations

import base64
import collections
import datetime
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Tuple

from cryptography import x509

from . import pki
from .store import Store

MAX_BODY_BYTES = 96 * 1024
POLLS_PER_WINDOW = 5          # DPS: 5 polling operations per 10 s per device
POLL_WINDOW_SECONDS = 10.0

# A custom allocation hook: gets the allocation request (dps-protocol.md 5.4 shape) and
# returns the hub host name, or (hub, payload) to send a payload back to the device.
Allocator = Callable[[Dict[str, Any]], Any]


@dataclass
class Reply:
    status: int
    body: Dict[str, Any]
    retry_after: Optional[int] = None


class RegistrationError(Exception):
    def __init__(self, status: int, error_code: int, message: str, retry_after: Optional[int] = None) -> None:
        super().__init__(message)
        self.status, self.error_code, self.message, self.retry_after = status, error_code, message, retry_after

    def reply(self, now: float) -> "Reply":
        return Reply(self.status, error_body(self.error_code, self.message, now), self.retry_after)


def utc_now_iso(now: float) -> str:
    dt = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0Z"


def error_body(error_code: int, message: str, now: float) -> Dict[str, Any]:
    return {"errorCode": error_code, "trackingId": str(uuid.uuid4()), "message": message,
            "timestampUtc": utc_now_iso(now)}


def new_etag() -> str:
    return base64.b64encode(json.dumps(str(uuid.uuid4())).encode()).decode()


def new_operation_id() -> str:
    return f"4.{secrets.token_hex(8)}.{uuid.uuid4()}"


def _attestation_certs(enrollment: Dict[str, Any], kind: str) -> List[str]:
    x509_att = (enrollment.get("attestation") or {}).get("x509") or {}
    certs = x509_att.get(kind) or {}
    return [c["certificate"] for c in (certs.get("primary"), certs.get("secondary")) if c and c.get("certificate")]


class Engine:
    def __init__(self, store: Store, *, hubs: Sequence[str], retry_after: int = 2,
                 assign_after_polls: int = 1, allocator: Optional[Allocator] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.hubs = list(hubs)
        self.retry_after = max(1, int(retry_after))
        self.assign_after_polls = max(1, int(assign_after_polls))
        self.allocator = allocator
        self.clock = clock
        self._polls: Dict[str, Deque[float]] = collections.defaultdict(collections.deque)
        self._polls_lock = threading.Lock()

    @property
    def id_scope(self) -> str:
        return self.store.meta("id_scope") or ""

    # -- device API -----------------------------------------------------------------------
    def register(self, scope: str, registration_id: str, body: bytes, chain: Sequence[x509.Certificate]) -> Reply:
        now = self.clock()
        try:
            payload = self._check_request(scope, registration_id, body, now)
            leaf = self._authenticate_leaf(registration_id, chain, now)
            enrollment, group = self._find_enrollment(registration_id, chain, now)
            source = enrollment or group
            assert source is not None
            if source.get("provisioningStatus", "enabled") == "disabled":
                state = {"registrationId": registration_id, "status": "disabled"}
                return Reply(200, {"operationId": new_operation_id(), "status": "disabled", "registrationState": state})
            result = self._assign(registration_id, enrollment, group, payload, leaf, now)
        except RegistrationError as e:
            return e.reply(now)
        operation_id = new_operation_id()
        self.store.put_operation(operation_id, registration_id, pki.thumbprint(leaf), result, now)
        return Reply(202, {"operationId": operation_id, "status": "assigning"}, self.retry_after)

    def operation_status(self, scope: str, registration_id: str, operation_id: str,
                         chain: Sequence[x509.Certificate]) -> Reply:
        now = self.clock()
        try:
            self._check_scope(scope)
            leaf = self._authenticate_leaf(registration_id, chain, now)
            self._throttle(registration_id, now)
            op = self.store.poll_operation(operation_id)
            if op is None or op["registration_id"].lower() != registration_id.lower():
                raise RegistrationError(404, 404201, "Operation not found.")
            if op["thumbprint"] != pki.thumbprint(leaf):
                raise RegistrationError(401, 401002, "Invalid certificate.")
        except RegistrationError as e:
            return e.reply(now)
        if op["polls"] < self.assign_after_polls:
            return Reply(202, {"operationId": operation_id, "status": "assigning"}, self.retry_after)
        return Reply(200, {**op["result"], "operationId": operation_id})

    # -- steps ----------------------------------------------------------------------------
    def _check_scope(self, scope: str) -> None:
        if scope.lower() != self.id_scope.lower():
            raise RegistrationError(401, 401002, "Unauthorized")

    def _check_request(self, scope: str, registration_id: str, body: bytes, now: float) -> Any:
        self._check_scope(scope)
        if len(body) > MAX_BODY_BYTES:
            raise RegistrationError(413, 413001, "Request body too large.")
        try:
            doc = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            raise RegistrationError(400, 400001, "The request body is not valid JSON.") from None
        if not isinstance(doc, dict):
            raise RegistrationError(400, 400001, "The request body must be a JSON object.")
        body_id = doc.get("registrationId")
        if body_id is not None and str(body_id).lower() != registration_id.lower():
            raise RegistrationError(400, 400001, "registrationId in the body does not match the URL.")
        return doc.get("payload")

    def _authenticate_leaf(self, registration_id: str, chain: Sequence[x509.Certificate], now: float) -> x509.Certificate:
        if not chain:
            raise RegistrationError(401, 401002, "Unauthorized")
        leaf = chain[0]
        if pki.common_name(leaf).lower() != registration_id.lower():
            raise RegistrationError(401, 401002, "Invalid certificate.")
        if not _valid_at(leaf, now):
            raise RegistrationError(401, 401002, "Invalid certificate.")
        return leaf

    def _find_enrollment(self, registration_id: str, chain: Sequence[x509.Certificate],
                         now: float) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
        leaf = chain[0]
        enrollment = self.store.get("enrollments", registration_id)
        if enrollment is not None:
            allowed = {pki.thumbprint(c) for pem in _attestation_certs(enrollment, "clientCertificates")
                       for c in _safe_certs(pem)[:1]}
            if pki.thumbprint(leaf) not in allowed:
                raise RegistrationError(401, 401002, "Invalid certificate.")
            return enrollment, None
        group = self._find_group(chain, now)
        if group is None:
            raise RegistrationError(401, 401002, "Invalid certificate.")
        return None, group

    def _group_certs(self) -> List[Tuple[Dict[str, Any], x509.Certificate]]:
        out = []
        for group in self.store.all("enrollment_groups"):
            pems = _attestation_certs(group, "signingCertificates")
            refs = ((group.get("attestation") or {}).get("x509") or {}).get("caReferences") or {}
            for ref in (refs.get("primary"), refs.get("secondary")):
                cert = self.store.certificate(ref) if ref else None
                if cert is not None:
                    pems.append(cert["certificate"])
            for pem in pems:
                for cert in _safe_certs(pem)[:1]:
                    out.append((group, cert))
        return out

    def _find_group(self, chain: Sequence[x509.Certificate], now: float) -> Optional[Dict[str, Any]]:
        """The first group along the presented chain, from the first intermediate up to the
        issuer of the last presented certificate (dps-protocol.md 4.2)."""
        groups = self._group_certs()
        if not groups:
            return None
        for i in range(len(chain) - 1):  # each presented cert must be issued by the next
            if not pki.issued_by(chain[i], chain[i + 1]) or not _valid_at(chain[i + 1], now):
                raise RegistrationError(401, 401002, "Invalid certificate chain.")
        by_thumb = {pki.thumbprint(c): (g, c) for g, c in groups}
        for position in range(1, len(chain)):
            match = by_thumb.get(pki.thumbprint(chain[position]))
            if match:
                return self._accept_group(match[0], match[1], list(chain[position + 1:]), now)
        for group, cert in groups:  # the group certificate itself was not sent (e.g. the root)
            if pki.issued_by(chain[-1], cert):
                return self._accept_group(group, cert, [], now)
        return None

    def _accept_group(self, group: Dict[str, Any], cert: x509.Certificate, above: List[x509.Certificate],
                      now: float) -> Dict[str, Any]:
        if not _valid_at(cert, now):
            raise RegistrationError(401, 401002, "Invalid certificate.")
        if not self._is_verified(cert, above):
            raise RegistrationError(401, 401002, "The signing certificate is not verified.")
        return group

    def _is_verified(self, cert: x509.Certificate, above: List[x509.Certificate]) -> bool:
        """Verified by proof of possession, itself or through the certificates above it."""
        verified = {c["thumbprint"]: c for c in self.store.certificates() if c["isVerified"]}
        verified_certs = [x for c in verified.values() for x in _safe_certs(c["certificate"])[:1]]
        current, remaining = cert, list(above)
        for _ in range(8):
            if pki.thumbprint(current) in verified:
                return True
            nxt = next((c for c in remaining if pki.issued_by(current, c)), None)
            if nxt is None:
                return any(pki.issued_by(current, v) for v in verified_certs)
            remaining.remove(nxt)
            current = nxt
        return False

    def _throttle(self, registration_id: str, now: float) -> None:
        with self._polls_lock:
            window = self._polls[registration_id.lower()]
            while window and window[0] <= now - POLL_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= POLLS_PER_WINDOW:
                wait = max(1, int(window[0] + POLL_WINDOW_SECONDS - now + 0.999))
                raise Throttled(wait)
            window.append(now)

    def _allocate(self, registration_id: str, enrollment_doc: Dict[str, Any], payload: Any,
                  device_id: str) -> Tuple[str, Any]:
        hubs = list(enrollment_doc.get("iotHubs") or []) or self.hubs
        policy = enrollment_doc.get("allocationPolicy") or "hashed"
        if self.allocator is not None:
            request = {"deviceRuntimeContext": {"registrationId": registration_id, "payload": payload},
                       "linkedHubs": list(self.hubs),
                       ("enrollmentGroup" if "enrollmentGroupId" in enrollment_doc else "individualEnrollment"):
                           enrollment_doc}
            try:
                answer = self.allocator(request)
            except Exception as e:  # the hook plays a webhook: its failure fails the registration
                raise AllocationFailed(f"Custom allocation failed with status code: 500 ({e})") from None
            hub, reply_payload = answer if isinstance(answer, tuple) else (answer, None)
            if hub not in self.hubs:
                raise AllocationFailed("Custom allocation returned a hub that is not linked.")
            return hub, reply_payload
        if not hubs:
            raise HubNotAssignable()
        if policy == "static" or len(hubs) == 1:
            return hubs[0], None
        digest = hashlib.sha256(device_id.lower().encode()).digest()
        return hubs[int.from_bytes(digest[:4], "big") % len(hubs)], None

    def _assign(self, registration_id: str, enrollment: Optional[Dict[str, Any]], group: Optional[Dict[str, Any]],
                payload: Any, leaf: x509.Certificate, now: float) -> Dict[str, Any]:
        source = enrollment or group or {}
        device_id = (enrollment or {}).get("deviceId") or registration_id
        stamp = utc_now_iso(now)
        with self.store.transaction():
            previous = self.store.get("registrations", registration_id)
            state: Dict[str, Any] = {
                "registrationId": registration_id,
                "createdDateTimeUtc": (previous or {}).get("createdDateTimeUtc", stamp),
                "lastUpdatedDateTimeUtc": stamp,
                "etag": new_etag(),
                "x509": {"enrollmentGroupId": group["enrollmentGroupId"]} if group else {},
            }
            try:
                if previous and previous.get("status") == "assigned" and previous.get("assignedHub") in self.hubs:
                    hub, reply_payload = previous["assignedHub"], None
                    device_id = previous.get("deviceId", device_id)
                    substatus = "deviceDataMigrated"
                    if self.allocator is not None:  # the hook still decides the payload
                        _, reply_payload = self._allocate(registration_id, source, payload, device_id)
                else:
                    hub, reply_payload = self._allocate(registration_id, source, payload, device_id)
                    substatus = "initialAssignment"
            except AllocationFailed as e:
                state.update(status="failed", errorCode=400207, errorMessage=str(e))
            except HubNotAssignable:
                state.update(status="failed", errorCode=400208, errorMessage="No IoT hub could be assigned.")
            else:
                state.update(status="assigned", assignedHub=hub, deviceId=device_id, substatus=substatus)
                if reply_payload is not None:
                    state["payload"] = reply_payload
                self._upsert_device(device_id, hub, registration_id, group is not None, source, leaf, stamp)
            self.store.put("registrations", registration_id, state)
        return {"operationId": "", "status": state["status"], "registrationState": state}

    def _upsert_device(self, device_id: str, hub: str, registration_id: str, from_group: bool,
                       source: Dict[str, Any], leaf: x509.Certificate, stamp: str) -> None:
        existing = self.store.get("devices", device_id)
        twin = (source.get("initialTwin") or {})
        doc = {
            "deviceId": device_id,
            "hub": hub,
            "status": "enabled",
            "authenticationType": "certificateAuthority" if from_group else "selfSigned",
            "x509Thumbprint": {"primaryThumbprint": None if from_group else pki.thumbprint(leaf)},
            "registrationId": registration_id,
            "createdDateTimeUtc": (existing or {}).get("createdDateTimeUtc", stamp),
            "lastUpdatedDateTimeUtc": stamp,
            "etag": new_etag(),
            "tags": twin.get("tags") or {},
            "desiredProperties": ((twin.get("properties") or {}).get("desired")) or {},
        }
        self.store.put("devices", device_id, doc, hub=hub)


class Throttled(RegistrationError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, 429001, "Too many requests.", retry_after)


class AllocationFailed(Exception):
    pass


class HubNotAssignable(Exception):
    pass


def _valid_at(cert: x509.Certificate, now: float) -> bool:
    moment = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    return cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc


def _safe_certs(pem: str) -> List[x509.Certificate]:
    try:
        return pki.load_pem_certificates(pem)
    except ValueError:
        return []
