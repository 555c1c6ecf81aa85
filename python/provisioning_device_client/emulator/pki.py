"""The emulator's own PKI: a CA created on first start and a TLS server certificate for
localhost / 127.0.0.1 / ::1 (plus configured names), and certificate helpers."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import pathlib
from typing import Iterable, List, Tuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server-key.pem"


def thumbprint(cert: x509.Certificate) -> str:
    """SHA-1 thumbprint, upper-case hex (the form Azure shows)."""
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def sha256_thumbprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def load_pem_certificates(pem: str) -> List[x509.Certificate]:
    """Every certificate in a PEM text (ValueError if there is none or one is malformed)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    certs = x509.load_pem_x509_certificates(data)
    if not certs:
        raise ValueError("no certificate in PEM text")
    return certs


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """cert names issuer as its issuer and carries a valid signature by issuer's key."""
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):  # name, key type or signature mismatch
        return False


def common_name(cert: x509.Certificate) -> str:
    values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def _write_private(path: pathlib.Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def ensure_pki(state_dir: pathlib.Path, server_names: Iterable[str] = ()) -> Tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """Create (once) the CA, and (each start, so new names apply) the server certificate.
    Returns (ca_cert, server_cert, server_key) paths."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ca_path, ca_key_path = state_dir / CA_CERT_FILE, state_dir / CA_KEY_FILE
    now = datetime.datetime.now(datetime.timezone.utc)
    if not (ca_path.exists() and ca_key_path.exists()):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DPS emulator CA"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "provisioning-device-client")])
        ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
              .sign(key, hashes.SHA256()))
        _write_private(ca_key_path, _key_pem(key))
        ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)

    names = ["localhost", *[n for n in server_names if n]]
    sans: List[x509.GeneralName] = [x509.DNSName(n) for n in dict.fromkeys(names)]
    sans += [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1"))]
    key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
              .issuer_name(ca.subject).public_key(key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=825))
              .add_extension(x509.SubjectAlternativeName(sans), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    server_path, server_key_path = state_dir / SERVER_CERT_FILE, state_dir / SERVER_KEY_FILE
    _write_private(server_key_path, _key_pem(key))
    server_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    return ca_path, server_path, server_key_path
