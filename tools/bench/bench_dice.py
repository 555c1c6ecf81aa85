#!/usr/bin/env python3
"""DICE throughput: identities (keys + full chain) per second per profile, on one core,
plus the wall time of one `dice-device-enrollment --individual` process.

Run with the project venv: .venv/bin/python tools/bench/bench_dice.py [--seconds 3]
A benchmark, not a test: it reports numbers and asserts nothing.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time

from provisioning_device_client.dice import DiceIdentity


def rate(profile: str, seconds: float) -> float:  # also used by run_all.py
    uds = bytearray(os.urandom(32))
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        uds[0] = count & 0xFF  # a different identity each time: no caching anywhere
        uds[1] = (count >> 8) & 0xFF
        DiceIdentity(profile=profile, uds=bytes(uds)).close()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} python={platform.python_version()}")
    for profile in ("riot", "tcg"):
        print(f"{profile}: {rate(profile, args.seconds):,.0f} identities/s (one thread)")
    tool = shutil.which("dice-device-enrollment") or ""
    cmd = [tool] if tool else [sys.executable, "-m", "provisioning_device_client.dice_cli"]
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([*cmd, "--individual"], check=True, capture_output=True)
        runs.append(time.perf_counter() - t)
    print(f"dice-device-enrollment --individual: {sorted(runs)[2] * 1000:.0f} ms (median of 5 processes)")


if __name__ == "__main__":
    main()
