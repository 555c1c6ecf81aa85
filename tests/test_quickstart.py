"""The README's quickstart command, run non-interactively (setup already done by tools/test)."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("args", [[], ["--group"]])
def test_quickstart_provisions_and_cleans_up(args):
    env = {**os.environ, "PDC_QUICKSTART_NO_BOOTSTRAP": "1"}
    r = subprocess.run([str(ROOT / "tools" / "quickstart"), *args], capture_output=True, text=True, env=env,
                       timeout=300, stdin=subprocess.DEVNULL)
    out = r.stdout
    assert r.returncode == 0, out[-3000:] + r.stderr[-3000:]
    for step in ("1/5", "2/5", "3/5", "4/5", "5/5"):
        assert f"==> {step}" in out
    assert "| Device successfully registered!" in out
    assert "riot-device-cert  enabled" in out
    assert ("certificateAuthority" if args else "selfSigned") in out
    assert out.rstrip().endswith("quickstart OK: riot-device-cert provisioned to its hub through the local DPS")
    # cleaned up: the final device list is empty
    final_table = out.split("==> 5/5 cleaning up")[1]
    assert "device id  status  auth type  hub  created" in final_table


def test_quickstart_reports_the_failing_step():
    env = {**os.environ, "PDC_QUICKSTART_NO_BOOTSTRAP": "1"}
    r = subprocess.run([str(ROOT / "tools" / "quickstart"), "--protocol", "carrier-pigeon"], capture_output=True, text=True,
                       env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert "quickstart FAILED at step: registration" in r.stderr
