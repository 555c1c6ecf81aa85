"""The service side: a subset of the DPS service REST API (dps-protocol.md 5.6) plus what
the portal does outside it (CA certificates with proof of possession, the hub's device list).

Every request is authenticated with a SharedAccessSignature for the emulator's host name.
Routes (JSON bodies):
  PUT/GET/DELETE /enrollments/{registrationId}      POST /enrollments/query
  PUT/GET/DELETE /enrollmentGroups/{groupId}        POST /enrollmentGroups/query
  GET/DELETE     /registrations/{registrationId}    GET  /registrations          (emulator)
  PUT/GET/DELETE /certificates/{name}               GET  /certificates           (emulator)
  POST /certificates/{name}/generateVerificationCode, POST /certificates/{name}/verify
  GET /hub/devices, GET/DELETE /hub/devices/{deviceId}                            (emulator)
"""

from __future__ import annotations

import secrets
from typing import Any, Dict, List, Optional, Tuple

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from . import pki, sas
from .engine import Reply, error_body, new_etag, utc_now_iso
from .store import Store

# Emulator-specific detail codes for the service API (HTTP status x 1000 + detail).
NOT_FOUND = {"enrollments": 404202, "enrollmentGroups": 404203, "registrations": 404201,
             "certificates": 404204, "devices": 404205}


class ServiceError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _bad(message: str) -> ServiceError:
    return ServiceError(400, 400001, message)


def _parse_certificate(pem: str, what: str) -> x509.Certificate:
    """The first certificate of a PEM text, or a 400 naming what was expected."""
    try:
        return pki.load_pem_certificates(pem)[0]
    except ValueError:
        raise _bad(f"{what} is not a PEM X.509 certificate") from None


def _certificate_info(pem: str) -> Dict[str, Any]:
    cert = _parse_certificate(pem, "attestation certificate")
    return {"subjectName": cert.subject.rfc4514_string(), "sha1Thumbprint": pki.thumbprint(cert),
            "sha256Thumbprint": pki.sha256_thumbprint(cert), "issuerName": cert.issuer.rfc4514_string(),
            "notBeforeUtc": cert.not_valid_before_utc.isoformat(), "notAfterUtc": cert.not_valid_after_utc.isoformat(),
            "serialNumber": format(cert.serial_number, "X"), "version": cert.version.value + 1}


def _x509_attestation(doc: Dict[str, Any], kind: str, store: Store) -> None:
    att = doc.get("attestation")
    if not isinstance(att, dict) or att.get("type") != "x509" or not isinstance(att.get("x509"), dict):
        raise _bad("only X.509 attestation is supported: attestation.type must be 'x509'")
    x = att["x509"]
    certs = x.get(kind) or {}
    refs = x.get("caReferences") or {}
    if kind == "signingCertificates" and refs:
        for ref in (refs.get("primary"), refs.get("secondary")):
            if ref and store.certificate(ref) is None:
                raise ServiceError(404, NOT_FOUND["certificates"], f"CA certificate '{ref}' not found")
        return
    if not isinstance(certs, dict) or not isinstance(certs.get("primary"), dict) or \
            not certs["primary"].get("certificate"):
        raise _bad(f"attestation.x509.{kind}.primary.certificate is required")
    for slot in ("primary", "secondary"):
        entry = certs.get(slot)
        if isinstance(entry, dict) and entry.get("certificate"):
            entry["info"] = _certificate_info(entry["certificate"])


class ServiceApi:
    def __init__(self, store: Store, host_name: str, key: str) -> None:
        self.store, self.host_name, self.key = store, host_name, key

    def handle(self, method: str, parts: List[str], body: Any, authorization: Optional[str], now: float) -> Reply:
        try:
            reason = sas.verify(authorization or "", self.key, self.host_name) if authorization else "missing token"
            if reason is not None:
                raise ServiceError(401, 401002, f"Unauthorized: {reason}")
            status, result = self._route(method, parts, body, now)
            return Reply(status, result)
        except ServiceError as e:
            return Reply(e.status, error_body(e.code, e.message, now))

    def _route(self, method: str, parts: List[str], body: Any, now: float) -> Tuple[int, Any]:
        if parts and parts[0] in ("enrollments", "enrollmentGroups"):
            return self._enrollments(method, parts, body, now)
        if parts and parts[0] == "registrations":
            return self._documents(method, parts, "registrations")
        if parts and parts[0] == "certificates":
            return self._certificates(method, parts, body, now)
        if parts[:2] == ["hub", "devices"]:
            return self._documents(method, parts[1:], "devices")
        raise ServiceError(404, 404000, "No such route")

    def _documents(self, method: str, parts: List[str], table: str) -> Tuple[int, Any]:
        if len(parts) == 1 and method == "GET":
            return 200, self.store.all(table)
        if len(parts) != 2:
            raise ServiceError(404, 404000, "No such route")
        if method == "GET":
            doc = self.store.get(table, parts[1])
            if doc is None:
                raise ServiceError(404, NOT_FOUND[parts[0]], f"{parts[1]} not found")
            return 200, doc
        if method == "DELETE":
            if not self.store.delete(table, parts[1]):
                raise ServiceError(404, NOT_FOUND[parts[0]], f"{parts[1]} not found")
            return 204, None
        raise ServiceError(405, 405000, "Method not allowed")

    def _enrollments(self, method: str, parts: List[str], body: Any, now: float) -> Tuple[int, Any]:
        group = parts[0] == "enrollmentGroups"
        table, id_field = ("enrollment_groups", "enrollmentGroupId") if group else ("enrollments", "registrationId")
        if len(parts) == 2 and parts[1] == "query" and method == "POST":
            return 200, self.store.all(table)
        if len(parts) != 2:
            raise ServiceError(404, 404000, "No such route")
        key = parts[1]
        if method in ("GET", "DELETE"):
            table_alias = {"enrollments": "enrollments", "enrollment_groups": "enrollmentGroups"}[table]
            doc = self.store.get(table, key)
            if doc is None:
                raise ServiceError(404, NOT_FOUND[table_alias], f"{key} not found")
            if method == "DELETE":
                self.store.delete(table, key)
                return 204, None
            return 200, doc
        if method != "PUT":
            raise ServiceError(405, 405000, "Method not allowed")
        if not isinstance(body, dict):
            raise _bad("the body must be a JSON enrollment")
        if str(body.get(id_field, key)).lower() != key.lower():
            raise _bad(f"{id_field} in the body does not match the URL")
        if body.get("provisioningStatus", "enabled") not in ("enabled", "disabled"):
            raise _bad("provisioningStatus must be 'enabled' or 'disabled'")
        if body.get("allocationPolicy", "hashed") not in ("hashed", "static", "geoLatency", "custom"):
            raise _bad("allocationPolicy must be hashed, static, geoLatency or custom")
        _x509_attestation(body, "signingCertificates" if group else "clientCertificates", self.store)
        previous = self.store.get(table, key)
        stamp = utc_now_iso(now)
        doc = {**body, id_field: key, "provisioningStatus": body.get("provisioningStatus", "enabled"),
               "createdDateTimeUtc": (previous or {}).get("createdDateTimeUtc", stamp),
               "lastUpdatedDateTimeUtc": stamp, "etag": new_etag()}
        self.store.put(table, key, doc)
        return 200, doc

    def _certificates(self, method: str, parts: List[str], body: Any, now: float) -> Tuple[int, Any]:
        if len(parts) == 1 and method == "GET":
            return 200, [_public_certificate(c) for c in self.store.certificates()]
        if len(parts) < 2:
            raise ServiceError(404, 404000, "No such route")
        name = parts[1]
        existing = self.store.certificate(name)
        if len(parts) == 2 and method == "PUT":
            if not isinstance(body, dict) or not isinstance(body.get("certificate"), str):
                raise _bad("body must be {\"certificate\": PEM, \"isVerified\": bool}")
            cert = _parse_certificate(body["certificate"], "certificate")
            verified = bool(body.get("isVerified", False))
            code = None if verified else _verification_code()
            pem = cert.public_bytes(Encoding.PEM).decode()
            self.store.put_certificate(name, pem, pki.thumbprint(cert), verified, code,
                                       {"created": utc_now_iso(now), "subject": cert.subject.rfc4514_string()})
            return 200, _public_certificate(self.store.certificate(name))
        if existing is None:
            raise ServiceError(404, NOT_FOUND["certificates"], f"certificate '{name}' not found")
        if len(parts) == 2 and method == "GET":
            return 200, _public_certificate(existing)
        if len(parts) == 2 and method == "DELETE":
            self.store.delete_certificate(name)
            return 204, None
        if len(parts) == 3 and parts[2] == "generateVerificationCode" and method == "POST":
            self.store.set_certificate_state(name, existing["isVerified"], _verification_code())
            return 200, _public_certificate(self.store.certificate(name))
        if len(parts) == 3 and parts[2] == "verify" and method == "POST":
            return 200, self._verify(name, existing, body)
        raise ServiceError(404, 404000, "No such route")

    def _verify(self, name: str, existing: Dict[str, Any], body: Any) -> Dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("certificate"), str):
            raise _bad("body must be {\"certificate\": PEM of the verification certificate}")
        if not existing.get("verificationCode"):
            raise _bad("no verification code outstanding: generate one first")
        proof = _parse_certificate(body["certificate"], "verification certificate")
        ca = pki.load_pem_certificates(existing["certificate"])[0]
        if pki.common_name(proof) != existing["verificationCode"]:
            raise _bad("the verification certificate's CN is not the verification code")
        if not pki.issued_by(proof, ca):
            raise _bad("the verification certificate is not signed by this CA's key")
        self.store.set_certificate_state(name, True, None)
        return _public_certificate(self.store.certificate(name))


def _verification_code() -> str:
    return secrets.token_hex(24).upper()  # 48 characters, like the portal's


def _public_certificate(c: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    assert c is not None
    return {"name": c["name"], "certificate": c["certificate"], "thumbprint": c["thumbprint"],
            "subject": c.get("subject"), "isVerified": c["isVerified"], "verificationCode": c["verificationCode"],
            "created": c.get("created")}


__all__ = ["ServiceApi"]
