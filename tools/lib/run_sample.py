"""Runs a copy of the legacy sample with only GLOBAL_PROV_URI and ID_SCOPE edited, shows its
output, and presses Enter once the register callback has reported (as a user would).

usage: run_sample.py SAMPLE WORK_DIR URI ID_SCOPE [sample args...]
Exit status 0 when the sample printed "Device successfully registered!".
"""

import pathlib
import re
import shutil
import subprocess
import sys
import time


def main() -> int:
    sample, work, uri, scope, *args = sys.argv[1:]
    src, work_dir = pathlib.Path(sample), pathlib.Path(work)
    work_dir.mkdir(parents=True, exist_ok=True)
    for f in src.parent.glob("*.py"):
        shutil.copy(f, work_dir / f.name)
    target = work_dir / src.name
    text = target.read_text()
    text = re.sub(r'^GLOBAL_PROV_URI = ".*"$', f'GLOBAL_PROV_URI = "{uri}"', text, count=1, flags=re.M)
    text = re.sub(r'^ID_SCOPE = ".*"$', f'ID_SCOPE = "{scope}"', text, count=1, flags=re.M)
    target.write_text(text)
    print(f"    (edited only GLOBAL_PROV_URI = \"{uri}\" and ID_SCOPE = \"{scope}\" in {target.name})", flush=True)
    proc = subprocess.Popen([sys.executable, "-u", str(target), *args], cwd=work_dir, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ok = False
    deadline = time.monotonic() + 120
    assert proc.stdout is not None and proc.stdin is not None
    for line in proc.stdout:
        print("    | " + line.rstrip("\n"), flush=True)
        if "Device successfully registered!" in line:
            ok = True
        if "registered!" in line or "registration failed!" in line or "Unexpected error" in line \
                or time.monotonic() > deadline:
            break
    try:
        proc.stdin.write("\n")  # "Press Enter to interrupt..."
        proc.stdin.flush()
    except BrokenPipeError:
        pass
    for line in proc.stdout:
        print("    | " + line.rstrip("\n"), flush=True)
    proc.wait(timeout=30)
    return 0 if ok and proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
