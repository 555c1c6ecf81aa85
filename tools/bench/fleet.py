"""Fleet provisioning from one process with the threaded C client: K devices, at most C
registrations in flight. Prints JSON: registrations/s, p50/p99 latency, failures.

usage: fleet.py HOST SCOPE DEVICES_DIR K C TRANSPORT CA"""

import json
import os
import statistics
import sys
import threading
import time

from provisioning_device_client._client import NativeClient
from provisioning_device_client._native import ffi

FREQ_MS = int(os.environ.get("PDC_DO_WORK_FREQ_MS", "0"))  # 0: the client's default

def main() -> None:
    host, scope, devices_dir, k, c, transport, ca = sys.argv[1:8]
    k, c = int(k), int(c)
    devices = sorted(os.listdir(devices_dir))
    material = [(d, open(os.path.join(devices_dir, d, "chain.pem")).read(),
                 open(os.path.join(devices_dir, d, "key.pem")).read()) for d in devices]
    ca_pem = open(ca).read()
    slots = threading.Semaphore(c)
    latencies, failures, lock = [], [0], threading.Lock()
    done_all = threading.Event()
    remaining = [k]

    def start(i):
        name, chain, key = material[i % len(material)]
        client = NativeClient(host, scope, transport)
        client.set_string("TrustedCerts", ca_pem)
        client.set_string("x509certificate", chain)
        client.set_string("x509privatekey", key)
        if FREQ_MS:
            client.set_option_raw("do_work_freq_ms", ffi.new("uint16_t*", FREQ_MS))
        t0 = time.perf_counter()

        def on_done(result, hub, device_id):
            elapsed = time.perf_counter() - t0
            with lock:
                if result == 0:
                    latencies.append(elapsed)
                else:
                    failures[0] += 1
                remaining[0] -= 1
                if remaining[0] == 0:
                    done_all.set()
            threading.Thread(target=lambda: (client.close(), slots.release())).start()

        if client.register(on_done) != 0:
            with lock:
                failures[0] += 1
                remaining[0] -= 1
            slots.release()

    t_start = time.perf_counter()
    for i in range(k):
        slots.acquire()
        start(i)
    done_all.wait(3600)
    wall = time.perf_counter() - t_start
    latencies.sort()
    print(json.dumps({
        "devices": k, "concurrency": c, "transport": transport, "wall_s": round(wall, 2),
        "registrations_per_s": round(len(latencies) / wall, 1), "failures": failures[0],
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p99_s": round(latencies[int(0.99 * (len(latencies) - 1))], 3) if latencies else None,
    }))


if __name__ == "__main__":
    main()
