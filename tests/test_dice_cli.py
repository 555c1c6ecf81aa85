"""The dice-device-enrollment console script, run as a user would."""

import subprocess
import sys

from cryptography import x509
from cryptography.x509.oid import NameOID

CLI = [sys.executable, "-m", "provisioning_device_client.dice_cli"]


def run(*args, stdin=""):
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, text=True, timeout=60)


def openssl(*args):
    return subprocess.run(["openssl", *args], capture_output=True, text=True)


def test_individual_tcg_out_passes_strict_verify(tmp_path):
    out = tmp_path / "d"
    r = run("--individual", "--profile", "tcg", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Device certificate:" in r.stdout
    v = openssl("verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", str(out / "root.pem"),
                "-untrusted", str(out / "deviceid.pem"), str(out / "alias.pem"))
    assert v.returncode == 0 and v.stdout.strip().endswith("OK"), v.stdout + v.stderr
    assert {p.name for p in out.iterdir()} == {"root.pem", "deviceid.pem", "alias.pem", "alias-key.pem",
                                               "chain.pem", "deviceid-public-key.pem"}


def test_interactive_group_flow_prints_verification_certificate(tmp_path):
    code = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718"
    assert len(code) == 48
    r = run(stdin=f"g\n{code}\n")
    assert r.returncode == 0, r.stderr
    assert "Would you like to do Individual (i) or Group (g) enrollments:" in r.stdout
    assert "Enter the Validation Code" in r.stdout
    root_pem = r.stdout.split("root cert:\n", 1)[1].split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    leaf_pem = r.stdout.split("Leaf Certificate:\n", 1)[1].split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    (tmp_path / "root.pem").write_text(root_pem)
    (tmp_path / "leaf.pem").write_text(leaf_pem)
    v = openssl("verify", "-attime", "1800000000", "-CAfile", str(tmp_path / "root.pem"), str(tmp_path / "leaf.pem"))
    assert v.returncode == 0, v.stdout + v.stderr
    leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == code


def test_interactive_individual_matches_library_output():
    from provisioning_device_client.dice import DiceIdentity

    r = run(stdin="i\n")
    assert r.returncode == 0
    assert DiceIdentity().alias_cert_pem in r.stdout
    assert "Registration id: riot-device-cert" in r.stdout


def test_group_with_code_writes_verification(tmp_path):
    r = run("--group", "--verification-code", "CODE42", "--out", str(tmp_path), "--profile", "tcg")
    assert r.returncode == 0, r.stderr
    cert = x509.load_pem_x509_certificate((tmp_path / "verification.pem").read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CODE42"


def test_uds_sources_agree(tmp_path, monkeypatch):
    uds = "5a" * 32
    (tmp_path / "uds").write_text(uds)
    a = run("--individual", "--uds-hex", uds)
    b = run("--individual", "--uds-file", str(tmp_path / "uds"))
    c = subprocess.run([*CLI, "--individual"], capture_output=True, text=True,
                       env={**__import__("os").environ, "PDC_DICE_UDS": uds})
    assert a.returncode == b.returncode == c.returncode == 0
    assert a.stdout == b.stdout == c.stdout
    assert a.stdout != run("--individual").stdout


def test_clear_errors():
    r = run("--individual", "--uds-hex", "abcd")
    assert r.returncode != 0 and "64 hex digits" in r.stderr
    r = run("--individual", "--uds-hex", "ab" * 32, "--legacy-bytes")
    assert r.returncode == 1 and "fixed ECDSA nonce" in r.stderr
    r = run("--group", "--verification-code", "bad code")
    assert r.returncode == 1 and "verification code" in r.stderr
    r = run("--verification-code", "X")
    assert r.returncode != 0 and "--group" in r.stderr
    r = run(stdin="xyz\n")
    assert r.returncode == 1 and "Invalid option specified" in r.stdout
