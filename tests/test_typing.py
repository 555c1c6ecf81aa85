"""The modern public API is typed: mypy --strict passes on it, as installed (py.typed)."""

import os
import shutil
import subprocess
import sys

import pytest


def test_mypy_strict_on_the_modern_api(tmp_path):
    if shutil.which("mypy") is None and subprocess.run([sys.executable, "-m", "mypy", "--version"],
                                                       capture_output=True).returncode != 0:
        pytest.fail("mypy is not installed (it is in the test extras)")
    usage = tmp_path / "usage.py"
    usage.write_text(
        "from provisioning_device_client.device import ProvisioningDeviceClient, X509, RegistrationResult\n"
        "from provisioning_device_client.device import aio\n"
        "def sync(host: str) -> str:\n"
        "    c = ProvisioningDeviceClient.create_from_x509_certificate(host, 'r', 's', X509('c', 'k'))\n"
        "    r: RegistrationResult = c.register()\n"
        "    state = r.registration_state\n"
        "    return state.assigned_hub or '' if state else ''\n"
        "async def run(host: str) -> str:\n"
        "    c = aio.ProvisioningDeviceClient.create_from_x509_certificate(host, 'r', 's', X509('c', 'k'))\n"
        "    return (await c.register()).status\n")
    for target in (["-p", "provisioning_device_client.device"], [str(usage)]):
        r = subprocess.run([sys.executable, "-m", "mypy", "--strict", *target], capture_output=True, text=True,
                           cwd=tmp_path, env={**os.environ, "MYPYPATH": ""})
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Success" in r.stdout
