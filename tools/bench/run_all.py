"""Benchmarks, side by side on this machine (a benchmark: it reports, it asserts nothing).

  .venv/bin/python tools/bench/run_all.py [--registrations 10] [--fleet 1000] [--concurrency 200]

Writes build/bench/results.json and build/bench/results.md. Needs the project venv and the
azure-iot-device venv (tools/bootstrap makes both) and root (azure-iot-device dials port 8883).
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUILD = ROOT / "build"
sys.path.insert(0, str(ROOT / "tests"))

from pki_helpers import key_pem, make_cert, pem  # noqa: E402

OURS = sys.executable
THEIRS = str(BUILD / "venv-azure-iot-device" / "bin" / "python")
SAMPLE = BUILD / "c" / "csrc" / "tools" / "prov_dev_client_sample"


def start_emulator(state, *extra):
    proc = subprocess.Popen([str(pathlib.Path(OURS).with_name("dps-emulator")), "--state-dir", str(state), "start",
                             "--port", "0", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if (state / "emulator.json").exists():
            return proc, json.loads((state / "emulator.json").read_text())
        time.sleep(0.05)
    raise RuntimeError("emulator did not start")


def cli(state, *args):
    subprocess.run([str(pathlib.Path(OURS).with_name("dps-emulator")), "--state-dir", str(state), *args],
                   check=True, capture_output=True)


def make_devices(state, work, prefix, n):
    root = make_cert(f"{prefix} bench root", ca=True)
    (work / f"{prefix}-root.pem").write_text(pem(root[0]))
    cli(state, "ca", "upload", f"{prefix}-root", str(work / f"{prefix}-root.pem"), "--verified")
    cli(state, "enrollment", "add", "--group-id", f"{prefix}-group", "--ca-name", f"{prefix}-root")
    out = work / prefix
    for i in range(n):
        leaf, key = make_cert(f"{prefix}-{i:05d}", root)
        d = out / f"{prefix}-{i:05d}"
        d.mkdir(parents=True)
        (d / "chain.pem").write_text(pem(leaf))
        (d / "key.pem").write_text(key_pem(key))
    return out


def progress(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(cmd, limit=120):
    """Run one process under GNU time; (wall s, user+sys s, peak RSS KiB, exit status).
    Peak RSS from GNU time, not os.wait4: a child forked from this process counts this
    process's pages as its own until it execs, so its ru_maxrss would read at least our own
    size. CPU from our reaped children's rusage (microseconds; GNU time prints 10 ms steps,
    too coarse for processes that use a few ticks); it includes GNU time's own ~1 ms."""
    out = tempfile.NamedTemporaryFile(prefix="pdc-bench-time-", delete=False)
    out.close()
    try:
        cpu_before = children_cpu_s()
        r = subprocess.run(["/usr/bin/time", "-q", "-o", out.name, "-f", "%e %M", *cmd], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=limit)
        cpu = children_cpu_s() - cpu_before
        status = r.returncode
        if status != 0:
            progress(f"{' '.join(cmd[:3])} failed: {r.stderr.decode(errors='replace')[-300:]}")
        wall, rss = pathlib.Path(out.name).read_text().split()[-2:]
        return float(wall), cpu, int(rss), status
    except subprocess.TimeoutExpired:
        return float(limit), 0.0, 0, -1
    finally:
        os.unlink(out.name)


def summary(values):
    values = sorted(values)
    return {"median": round(statistics.median(values), 4), "min": round(values[0], 4), "max": round(values[-1], 4)}


def client_costs(info, devices, n):
    results = {}
    host, port, scope, ca = "localhost", 8883, info["idScope"], info["caCertificate"]
    plans = [("ours", "mqtt", OURS, port), ("azure-iot-device", "mqtt", THEIRS, port),
             ("ours", "http", OURS, info["port"]), ("ours", "amqp", OURS, 5671), ("ours-c", "mqtt", None, port),
             ("ours-c", "amqp", None, 5671)]
    names = sorted(os.listdir(devices))
    for index, (who, transport, python, p) in enumerate(plans):
        runs = []
        progress(f"{who} {transport}: {n} registrations, one process each")
        for i in range(n):
            name = names[index * n + i]
            d = devices / name
            if who == "ours-c":  # the C client itself: the sample program, no interpreter
                cmd = ["env", f"SSL_CERT_FILE={ca}", f"SAMPLE_TRANSPORT={transport}", str(SAMPLE), f"{host}:{p}",
                       scope, str(d / "chain.pem"), str(d / "key.pem")]
            else:
                cmd = [python, str(HERE / "one_registration.py"), who, transport, host, str(p), scope, name,
                       str(d / "chain.pem"), str(d / "key.pem"), ca]
            runs.append(measure(cmd))
        ok = sum(1 for r in runs if r[3] == 0)
        results[f"{who} {transport}"] = {"ok": ok, "runs": n, "wall_s": summary([r[0] for r in runs]),
                                         "cpu_s": summary([r[1] for r in runs]),
                                         "peak_rss_kib": summary([r[2] for r in runs])}
    return results


def heap_peak(info, devices):
    """valgrind massif on one C-client registration (HTTP): the process's heap peak and the
    part allocated by our own code (tools/bench/massif_split.py)."""
    if shutil.which("valgrind") is None:
        return {"note": "valgrind not installed"}
    d = devices / sorted(os.listdir(devices))[-1]
    out = pathlib.Path(tempfile.mkdtemp()) / "massif.out"
    subprocess.run(["valgrind", "--tool=massif", f"--massif-out-file={out}", "--threshold=0.1", str(SAMPLE),
                    f"localhost:{info['port']}", info["idScope"], str(d / "chain.pem"), str(d / "key.pem")],
                   env={**os.environ, "SSL_CERT_FILE": info["caCertificate"]}, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=True)
    split = subprocess.run([OURS, str(HERE / "massif_split.py"), str(out), str(ROOT / "csrc")],
                           capture_output=True, text=True, check=True)
    return json.loads(split.stdout)


def import_times(repeat=7):
    out = {}
    for label, python, module in (("provisioning_device_client", OURS, "provisioning_device_client"),
                                  ("azure.iot.device", THEIRS, "azure.iot.device")):
        code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
        values = [float(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)
                  for _ in range(repeat)]
        out[label] = summary(values)
    return out


def dice():
    sys.path.insert(0, str(HERE))
    import bench_dice
    tool = pathlib.Path(OURS).with_name("dice-device-enrollment")
    runs = sorted(measure([str(tool), "--individual"])[0] for _ in range(5))
    return {"riot_per_s": round(bench_dice.rate("riot", 2.0)), "tcg_per_s": round(bench_dice.rate("tcg", 2.0)),
            "enrollment_process_s": round(runs[2], 3)}


def proc_cpu(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fleet(work, k, c):
    state = work / "fleet-dps"
    proc, info = start_emulator(state, "--retry-after", "1", "--in-memory")
    try:
        devices = make_devices(state, work, "fleet", min(k, 500))
        cpu0 = proc_cpu(proc.pid)
        out = subprocess.run([OURS, str(HERE / "fleet.py"), info["provisioningHost"], info["idScope"], str(devices),
                              str(k), str(c), "http", info["caCertificate"]], capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["emulator_cpu_s"] = round(proc_cpu(proc.pid) - cpu0, 1)
        return result
    finally:
        proc.terminate()
        proc.wait()


def footprint():
    out = {}
    candidates = {"x86_64": (BUILD / "python", "strip"), "aarch64": (BUILD / "wheel-aarch64", "aarch64-linux-gnu-strip")}
    for arch, (tree, strip) in candidates.items():
        modules = list(tree.rglob("_native*.so")) if tree.exists() else []
        if modules and shutil.which(strip):
            stripped = pathlib.Path(tempfile.mkdtemp()) / "m.so"
            subprocess.run([strip, "-o", str(stripped), str(modules[0])], check=True)
            out[f"cffi module ({arch}, stripped, includes libpdc)"] = stripped.stat().st_size
    lib = BUILD / "c" / "csrc" / "libpdc.a"
    if lib.exists():
        stripped = pathlib.Path(tempfile.mkdtemp()) / "libpdc.a"
        subprocess.run(["strip", "--strip-debug", "-o", str(stripped), str(lib)], check=True)
        out["libpdc.a (x86_64, debug info stripped)"] = stripped.stat().st_size
    return out


def markdown(r):
    lines = [f"Machine: {r['machine']}", "", "| client | ok | wall s (median, min-max) | CPU s user+sys | peak RSS MiB |",
             "|---|---|---|---|---|"]
    for name, v in r["clients"].items():
        lines.append(f"| {name} | {v['ok']}/{v['runs']} | {v['wall_s']['median']} ({v['wall_s']['min']}-{v['wall_s']['max']})"
                     f" | {v['cpu_s']['median']} | {round(v['peak_rss_kib']['median'] / 1024, 1)} |")
    ours, theirs = r["clients"].get("ours mqtt"), r["clients"].get("azure-iot-device mqtt")
    if ours and theirs:
        lines += ["", "Ratios ours/theirs (MQTT, X.509): "
                  f"wall {ours['wall_s']['median'] / theirs['wall_s']['median']:.2f}, "
                  f"CPU {ours['cpu_s']['median'] / theirs['cpu_s']['median']:.2f}, "
                  f"peak RSS {ours['peak_rss_kib']['median'] / theirs['peak_rss_kib']['median']:.2f}"]
    it = r["imports"]
    lines += ["", f"Import time (median): provisioning_device_client {it['provisioning_device_client']['median']:.3f} s, "
              f"azure.iot.device {it['azure.iot.device']['median']:.3f} s (ratio "
              f"{it['provisioning_device_client']['median'] / it['azure.iot.device']['median']:.2f})",
              "", f"DICE: riot {r['dice']['riot_per_s']}/s, tcg {r['dice']['tcg_per_s']}/s (one thread); "
              f"one dice-device-enrollment --individual process {r['dice']['enrollment_process_s']} s"]
    f = r["fleet"]
    lines += ["", f"Fleet: {f['devices']} devices, concurrency {f['concurrency']}, {f['transport']}: "
              f"{f['registrations_per_s']} registrations/s, p50 {f['p50_s']} s, p99 {f['p99_s']} s, "
              f"{f['failures']} failures, emulator CPU {f['emulator_cpu_s']} s over {f['wall_s']} s"]
    native = r["clients"].get("ours-c mqtt")
    if native and theirs:
        lines += ["", "Ratios C client/azure-iot-device (MQTT): "
                  f"wall {native['wall_s']['median'] / theirs['wall_s']['median']:.2f}, "
                  f"CPU {native['cpu_s']['median'] / theirs['cpu_s']['median']:.2f}, "
                  f"peak RSS {native['peak_rss_kib']['median'] / theirs['peak_rss_kib']['median']:.2f}"]
    lines += ["", "Footprint: " + "; ".join(f"{k} {v:,} bytes" for k, v in r["footprint"].items())]
    heap = r.get("heap", {})
    if "peak_bytes" in heap:
        lines += ["", f"Heap peak of one registration (C client, HTTP, massif): {heap['peak_bytes']:,} bytes in the "
                  f"process, of which {heap['ours_bytes']:,} allocated by our code (the rest: OpenSSL, libcurl)"]
    elif heap:
        lines += ["", f"Heap peak: not measured ({heap.get('note')})"]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--registrations", type=int, default=10)
    ap.add_argument("--fleet", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=200)
    args = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="pdc-bench-"))
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    results = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "machine": f"{platform.machine()} {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"}
    state = work / "dps"
    proc, info = start_emulator(state, "--standard-ports", "--retry-after", "2")
    try:
        progress("creating devices")
        devices = make_devices(state, work, "cost", 6 * args.registrations + 1)
        results["clients"] = client_costs(info, devices, args.registrations)
        progress("heap peak of one registration (valgrind massif)")
        results["heap"] = heap_peak(info, devices)
    finally:
        proc.terminate()
        proc.wait()
    progress("import times")
    results["imports"] = import_times()
    progress("DICE")
    results["dice"] = dice()
    progress(f"fleet of {args.fleet}")
    results["fleet"] = fleet(work, args.fleet, args.concurrency)
    results["footprint"] = footprint()
    out = BUILD / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    (out / "results.md").write_text(markdown(results))
    print(markdown(results))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
