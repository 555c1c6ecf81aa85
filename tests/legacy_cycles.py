"""Run by test_legacy_e2e: N create/register/destroy cycles of the legacy client against a
running emulator (group enrollment, one leaf per device), T threads at once. Prints
'rss_kb_after_warmup=<n> rss_kb_end=<n> ok=<n>'."""

import os
import sys
import threading

from provisioning_device_client import (ProvisioningDeviceClient, ProvisioningDeviceResult,
                                        ProvisioningSecurityDeviceType, ProvisioningTransportProvider)


def rss_kb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def main():
    host, scope, certs_dir, cycles, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    ok = 0
    lock = threading.Lock()
    devices = sorted(os.listdir(certs_dir))

    def cycle(i):
        nonlocal ok
        name = devices[i % len(devices)]
        cert = open(os.path.join(certs_dir, name, "chain.pem")).read()
        key = open(os.path.join(certs_dir, name, "key.pem")).read()
        done = threading.Event()
        results = []
        client = ProvisioningDeviceClient(host, scope, ProvisioningSecurityDeviceType.X509,
                                          ProvisioningTransportProvider.HTTP)
        client.set_option("x509certificate", cert)
        client.set_option("x509privatekey", key)
        client.register_device(lambda r, hub, dev, ctx: (results.append(r), done.set()), None,
                               lambda s, ctx: None, None)
        done.wait(60)
        client.close()
        if results == [ProvisioningDeviceResult.OK]:
            with lock:
                ok += 1

    def run(start, count):
        workers = [threading.Thread(target=lambda k=k: [cycle(start + j) for j in range(k, count, threads)])
                   for k in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    warmup = min(100, cycles)
    run(0, warmup)
    after_warmup = rss_kb()
    run(warmup, cycles - warmup)
    print(f"rss_kb_after_warmup={after_warmup} rss_kb_end={rss_kb()} ok={ok}")


if __name__ == "__main__":
    main()
