"""Smoke test of an installed wheel, run by tools/wheel with the target's Python (under qemu
for ARM): import, enums, DICE identity, a registration over HTTP and one over AMQP against the host's emulator.

usage: wheel_smoke.py PROVISIONING_HOST ID_SCOPE CA_PEM_FILE EXPECTED_ALIAS_PEM_FILE
Prints "N passed, N failed" and exits non-zero on any failure."""

import platform
import sys
import threading


def main() -> int:
    host, scope, ca_file, alias_file = sys.argv[1:5]
    import provisioning_device_client as pdc
    from provisioning_device_client.dice import DiceIdentity

    checks = []

    def check(name, ok):
        checks.append(ok)
        print(("ok   " if ok else "FAIL ") + name, flush=True)

    print(f"python {platform.python_version()} on {platform.machine()}, package {pdc.__version__}")
    check("native version matches", pdc.native_version() == pdc.__version__)
    check("enums", str(pdc.ProvisioningDeviceResult.OK) == "OK" and int(pdc.ProvisioningTransportProvider.MQTT) == 2)
    with open(alias_file) as f:
        expected_alias = f.read()
    check("DICE alias certificate identical to the host's", DiceIdentity().alias_cert_pem == expected_alias)
    tcg = DiceIdentity(profile="tcg", uds=bytes(range(32)))
    check("DICE tcg identity", tcg.registration_id.startswith("dice-") and "BEGIN CERTIFICATE" in tcg.chain_pem)

    with open(ca_file) as f:
        ca = f.read()
    # HTTP (libcurl) and AMQP (Proton-C over a libcurl TLS stream): the bundled libraries at work
    for protocol in (pdc.ProvisioningTransportProvider.HTTP, pdc.ProvisioningTransportProvider.AMQP):
        done = threading.Event()
        seen = {}
        client = pdc.ProvisioningDeviceClient(host, scope, pdc.ProvisioningSecurityDeviceType.X509, protocol)
        client.set_option("TrustedCerts", ca)
        client.register_device(lambda r, hub, dev, ctx: (seen.update(r=r, hub=hub, dev=dev), done.set()), None,
                               lambda s, ctx: None, None)
        done.wait(120)
        client.close()
        print(f"registration over {protocol}: {seen}")
        check(f"registration over {protocol} against the host emulator",
              str(seen.get("r")) == "OK" and seen.get("dev") == "riot-device-cert")
    passed = sum(checks)
    print(f"{passed} passed, {len(checks) - passed} failed")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
