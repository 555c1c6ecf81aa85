"""DICE identities checked with independent implementations: pyca/cryptography parses and
verifies every certificate, openssl verifies the chains, and a separate DER reader decodes
the DICE extensions."""

import datetime
import hashlib
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings, strategies as st

import der
from provisioning_device_client.dice import DiceIdentity, load_uds, parse_uds, riot_sha256
from provisioning_device_client.errors import (
    CertificateError,
    InvalidArgumentError,
    NotAllowedError,
    ProvisioningError,
)

DICE_OID = x509.ObjectIdentifier("2.23.133.5.4.1")
DEV_FWID = bytes.fromhex("6BE9B184C937C28E122EEE512B68EA8E00C3DD159EA4E85E84CBA966F446CD4E")
SHA256_OID = "2.16.840.1.101.3.4.2.1"


def certs(identity):
    load = x509.load_pem_x509_certificate
    return (load(identity.root_cert_pem.encode()), load(identity.deviceid_cert_pem.encode()),
            load(identity.alias_cert_pem.encode()))


def point(public_key):
    return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def openssl_verify(tmp_path, identity, *flags):
    for name, pem in (("root", identity.root_cert_pem), ("dev", identity.deviceid_cert_pem),
                      ("alias", identity.alias_cert_pem)):
        (tmp_path / f"{name}.pem").write_text(pem)
    return subprocess.run(
        ["openssl", "verify", *flags, "-CAfile", str(tmp_path / "root.pem"), "-untrusted",
         str(tmp_path / "dev.pem"), str(tmp_path / "alias.pem")],
        capture_output=True, text=True)


def test_riot_sha256_known_answers():
    assert riot_sha256(b"abc").hex() == "bb392cd2622eecbce49cd242285d0009ef70eae1a3e43e5ec8eae7c779b9f600"
    assert riot_sha256(bytes(32)).hex() == "d979443f77cb3530d6bd62f63a318eac88f3526e7ed95654f2384f6b15bd6206"


def test_default_is_the_legacy_emulator_chain():
    with DiceIdentity() as identity:
        assert identity.is_legacy_bytes
        assert identity.registration_id == "riot-device-cert"
        root, dev, alias = certs(identity)
        root_der = root.public_bytes(serialization.Encoding.DER)
        # dice-riot.md section 5: the emulator's root certificate
        assert len(root_der) == 385
        assert hashlib.sha256(root_der).hexdigest() == \
            "0b437edbc67b65f825491113dcbcafb0296c83607c442df1014921daa107bdf6"
        assert len(dev.public_bytes(serialization.Encoding.DER)) == 393
        assert len(alias.public_bytes(serialization.Encoding.DER)) == 548
        # the emulator's unwrapped single-line PEM
        assert len(identity.alias_cert_pem.splitlines()) == 3
        # its fixed nonce shows as the same r in every signature
        r_values = {der.parse(c.signature).children()[0].value for c in (root, dev, alias)}
        assert len(r_values) == 1 and r_values.pop().hex().startswith("515c3d6e")


@pytest.mark.parametrize("legacy", [True, False])
def test_riot_structure(legacy):
    uds = None if legacy else bytes(range(32))
    with DiceIdentity(profile="riot", uds=uds) as identity:
        assert identity.is_legacy_bytes is legacy
        root, dev, alias = certs(identity)
        names = [c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in (root, dev, alias)]
        assert names == ["riot-root", "riot-signer-core", "riot-device-cert"]
        assert [c.serial_number for c in (root, dev, alias)] == [0x1A2B3C4D5E, 0x0E0D0C0B0A, 0x0A0B0C0D0E]
        for c in (root, dev, alias):
            assert c.not_valid_before_utc == datetime.datetime(2017, 1, 1, tzinfo=datetime.timezone.utc)
            assert c.not_valid_after_utc == datetime.datetime(2037, 1, 1, tzinfo=datetime.timezone.utc)
            country = der.parse(c.subject.public_bytes()).children()[1].children()[0].children()[1]
            assert country.tag == (0x0C if legacy else 0x13)  # UTF8String quirk vs PrintableString
        assert alias.issuer == dev.subject and dev.issuer == root.subject
        dev.verify_directly_issued_by(root)
        alias.verify_directly_issued_by(dev)
        root.verify_directly_issued_by(root)
        # extension order of the original: KU, BC on CAs; EKU, CompositeDeviceID on the alias
        assert [e.oid for e in dev.extensions] == [x509.OID_KEY_USAGE, x509.OID_BASIC_CONSTRAINTS]
        assert dev.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 1
        assert [e.oid for e in alias.extensions] == [x509.OID_EXTENDED_KEY_USAGE, DICE_OID]
        ku_raw = der.parse(dev.tbs_certificate_bytes).children()[7].children()[0].children()[0]
        ku_bits = der.parse(ku_raw.children()[-1].value)
        assert ku_bits.value == (b"\x00\x04" if legacy else b"\x02\x04")
        # CompositeDeviceID {1, DeviceID SPKI, {sha256, FWID}}
        composite = der.parse(alias.extensions.get_extension_for_oid(DICE_OID).value.value)
        version, spki, fwid = composite.children()
        assert version.integer() == 1
        dev_spki = dev.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        assert der.parse(dev_spki) == spki
        assert fwid.children()[0].oid() == SHA256_OID and fwid.children()[1].value == DEV_FWID


def test_alias_key_matches_alias_certificate():
    for profile in ("riot", "tcg"):
        with DiceIdentity(profile=profile) as identity:
            key = serialization.load_pem_private_key(identity.alias_key_pem.encode(), None)
            assert identity.alias_key_pem.startswith("-----BEGIN EC PRIVATE KEY-----")
            alias = certs(identity)[2]
            assert point(key.public_key()) == point(alias.public_key())
            dev_pub = serialization.load_pem_public_key(identity.deviceid_public_key_pem.encode())
            assert point(dev_pub) == point(certs(identity)[1].public_key())
            assert identity.chain_pem == identity.alias_cert_pem + identity.deviceid_cert_pem


def test_tcg_structure():
    fwid = bytes(range(100, 132))
    with DiceIdentity(profile="tcg", uds=bytes(32), fwid=fwid, tcb_vendor="Contoso", tcb_model="gw-1",
                      tcb_version="1.2.3", tcb_svn=7, tcb_layer=1) as identity:
        root, dev, alias = certs(identity)
        assert identity.registration_id.startswith("dice-") and len(identity.registration_id) == 21
        assert alias.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == identity.registration_id
        assert alias.not_valid_after_utc.year == 9999
        for c in (dev, alias):
            ski = c.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            assert ski.digest == hashlib.sha1(point(c.public_key())).digest()
            assert 0 < c.serial_number < 2**159  # <= 20 bytes, positive
        assert alias.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier == \
            dev.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        ku = alias.extensions.get_extension_for_class(x509.KeyUsage)
        assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
        bc = dev.extensions.get_extension_for_class(x509.BasicConstraints)
        assert bc.critical and bc.value.ca and bc.value.path_length == 0
        assert not alias.extensions.get_extension_for_oid(DICE_OID).critical
        san = alias.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.UniformResourceIdentifier) == [
            f"urn:dps:registration:{identity.registration_id}"]
        assert ExtendedKeyUsageOID.CLIENT_AUTH in alias.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        # DiceTcbInfo: vendor [0], model [1], version [2], svn [3], layer [4], fwids [6]
        tcb = {t.tag: t for t in der.parse(alias.extensions.get_extension_for_oid(DICE_OID).value.value).children()}
        assert tcb[0x80].value == b"Contoso" and tcb[0x81].value == b"gw-1" and tcb[0x82].value == b"1.2.3"
        assert int.from_bytes(tcb[0x83].value, "big") == 7 and int.from_bytes(tcb[0x84].value, "big") == 1
        (fw,) = tcb[0xA6].children()
        assert fw.children()[0].oid() == SHA256_OID and fw.children()[1].value == fwid
        assert identity.alias_cert_pem.splitlines()[1].__len__() == 64  # wrapped PEM


def test_tcg_chain_passes_strict_openssl_and_pyca_client_verifier(tmp_path):
    with DiceIdentity(profile="tcg", uds=bytes(range(32))) as identity:
        result = openssl_verify(tmp_path, identity, "-x509_strict", "-purpose", "sslclient")
        assert result.returncode == 0, result.stdout + result.stderr
        root, dev, alias = certs(identity)
        verifier = (x509.verification.PolicyBuilder().store(x509.verification.Store([root]))
                    .time(datetime.datetime(2030, 1, 1)).build_client_verifier())
        verified = verifier.verify(alias, [dev])
        assert verified.chain[0] == alias and verified.chain[-1] == root


def test_riot_chain_passes_openssl(tmp_path):
    with DiceIdentity() as identity:
        result = openssl_verify(tmp_path, identity, "-attime", "1800000000")
        assert result.returncode == 0, result.stdout + result.stderr


def test_verification_certificate_signed_by_root(tmp_path):
    code = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
    for profile in ("riot", "tcg"):
        with DiceIdentity(profile=profile) as identity:
            pem = identity.verification_certificate(code)
            cert = x509.load_pem_x509_certificate(pem.encode())
            root = certs(identity)[0]
            cert.verify_directly_issued_by(root)
            assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == code
            # a real key each time (the original used uninitialised memory)
            other = x509.load_pem_x509_certificate(identity.verification_certificate(code).encode())
            assert point(cert.public_key()) != point(other.public_key())
            (tmp_path / "root.pem").write_text(identity.root_cert_pem)
            (tmp_path / "v.pem").write_text(pem)
            r = subprocess.run(["openssl", "verify", "-attime", "1800000000", "-CAfile", str(tmp_path / "root.pem"),
                                str(tmp_path / "v.pem")], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr


def make_ca(key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Contoso Device CA")])
    now = datetime.datetime(2024, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1234).not_valid_before(now).not_valid_after(now.replace(year=2124))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def test_user_root_ca_signs_the_deviceid(tmp_path):
    ca_pem, ca_key = make_ca()
    with DiceIdentity(profile="tcg", uds=bytes(32), root_cert_pem=ca_pem, root_key_pem=ca_key) as identity:
        assert identity.root_cert_pem == ca_pem
        result = openssl_verify(tmp_path, identity, "-x509_strict", "-purpose", "sslclient")
        assert result.returncode == 0, result.stdout + result.stderr
        root, dev, _ = certs(identity)
        assert dev.issuer == root.subject
        code_cert = x509.load_pem_x509_certificate(identity.verification_certificate("abc123").encode())
        code_cert.verify_directly_issued_by(root)


def test_deterministic_and_uds_sensitive():
    for profile in ("riot", "tcg"):
        a1 = DiceIdentity(profile=profile, uds=b"\x11" * 32)
        a2 = DiceIdentity(profile=profile, uds=b"\x11" * 32)
        b = DiceIdentity(profile=profile, uds=b"\x11" * 31 + b"\x10")
        assert a1.chain_pem == a2.chain_pem and a1.alias_key_pem == a2.alias_key_pem
        assert a1.alias_key_pem != b.alias_key_pem
        assert a1.deviceid_public_key_pem != b.deviceid_public_key_pem
        fw = DiceIdentity(profile=profile, uds=b"\x11" * 32, fwid=b"\x01" * 32)
        # a firmware change moves the alias key but not the DeviceID key
        assert fw.deviceid_public_key_pem == a1.deviceid_public_key_pem
        assert fw.alias_key_pem != a1.alias_key_pem


def test_profiles_derive_different_keys_from_one_uds():
    riot = DiceIdentity(profile="riot", uds=b"\x22" * 32)
    tcg = DiceIdentity(profile="tcg", uds=b"\x22" * 32)
    assert riot.deviceid_public_key_pem != tcg.deviceid_public_key_pem


@pytest.mark.parametrize("kwargs, error, text", [
    ({"uds": b"\x00" * 31}, InvalidArgumentError, "32 bytes"),
    ({"fwid": b"\x00" * 33}, InvalidArgumentError, "32 bytes"),
    ({"profile": "nope"}, InvalidArgumentError, "profile"),
    ({"uds": b"\x01" * 32, "legacy_bytes": True}, NotAllowedError, "fixed ECDSA nonce"),
    ({"profile": "tcg", "legacy_bytes": True}, NotAllowedError, "riot profile"),
    ({"registration_id": "has spaces"}, InvalidArgumentError, "registration id"),
    ({"registration_id": "x" * 65}, InvalidArgumentError, "registration id"),
    ({"root_cert_pem": "x"}, InvalidArgumentError, "both"),
    ({"root_cert_pem": "junk", "root_key_pem": "junk"}, CertificateError, "PEM"),
    ({"tcb_svn": -2}, InvalidArgumentError, "tcb_svn"),
])
def test_rejects_bad_input(kwargs, error, text):
    with pytest.raises(error, match=text) as info:
        DiceIdentity(**kwargs)
    assert isinstance(info.value, ProvisioningError)


def test_rejects_wrong_types():
    with pytest.raises(TypeError):
        DiceIdentity(uds="00" * 32)
    with pytest.raises(TypeError):
        DiceIdentity(registration_id=b"abc")


def test_rejects_mismatched_or_non_p256_root():
    ca_pem, _ = make_ca()
    _, other_key = make_ca()
    with pytest.raises(CertificateError, match="does not match"):
        DiceIdentity(root_cert_pem=ca_pem, root_key_pem=other_key)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_pem = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    with pytest.raises(CertificateError, match="P-256"):
        DiceIdentity(root_cert_pem=ca_pem, root_key_pem=rsa_pem)


def test_bad_verification_codes():
    identity = DiceIdentity()
    for code in ("", "with space", "x" * 65, "semi;colon"):
        with pytest.raises(InvalidArgumentError):
            identity.verification_certificate(code)
    identity.close()
    identity.close()  # idempotent
    with pytest.raises(InvalidArgumentError, match="closed"):
        identity.verification_certificate("abc")


def test_uds_parsing(tmp_path):
    assert parse_uds("0x" + "ab" * 32) == b"\xab" * 32
    with pytest.raises(InvalidArgumentError):
        parse_uds("ab" * 31)
    with pytest.raises(InvalidArgumentError):
        parse_uds("zz" * 32)
    (tmp_path / "raw").write_bytes(b"\x01" * 32)
    (tmp_path / "hex").write_text("01" * 32 + "\n")
    (tmp_path / "bad").write_bytes(b"\xff" * 40)
    assert load_uds(tmp_path / "raw") == load_uds(tmp_path / "hex") == b"\x01" * 32
    with pytest.raises(InvalidArgumentError):
        load_uds(tmp_path / "bad")


def test_repr_and_write_keep_secrets_private(tmp_path):
    identity = DiceIdentity(uds=b"\x33" * 32)
    assert "PRIVATE" not in repr(identity)
    written = identity.write(tmp_path, verification_code="ABC")
    assert (written["alias_key"].stat().st_mode & 0o777) == 0o600
    assert written["verification"].read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert written["chain"].read_text() == identity.chain_pem


@settings(max_examples=25, deadline=None)
@given(uds=st.binary(min_size=32, max_size=32), fwid=st.binary(min_size=32, max_size=32),
       profile=st.sampled_from(["riot", "tcg"]))
def test_any_uds_gives_a_valid_deterministic_chain(uds, fwid, profile):
    identity = DiceIdentity(profile=profile, uds=uds, fwid=fwid)
    root, dev, alias = certs(identity)
    dev.verify_directly_issued_by(root)
    alias.verify_directly_issued_by(dev)
    assert DiceIdentity(profile=profile, uds=uds, fwid=fwid).chain_pem == identity.chain_pem
