"""Checks an installed wheel's native closure without running it (any architecture): every
NEEDED library of the extension module and of each bundled library must be a base system
library (glibc family, libz: what manylinux allows) or ship in provisioning_device_client.libs.

usage: check_bundled.py SITE_PACKAGES_DIR"""

import pathlib
import re
import subprocess
import sys

SYSTEM = re.compile(r"^(libc|libm|libdl|librt|libpthread|libresolv|libutil|libnsl|libz|libgcc_s|ld-linux[-\w]*)\.so")


def needed(path: pathlib.Path) -> list:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def main() -> int:
    site = pathlib.Path(sys.argv[1])
    package = site / "provisioning_device_client"
    bundled = {p.name: p for p in (site / "provisioning_device_client.libs").glob("*.so*")}
    bad = []
    for elf in [*package.glob("_native*.so"), *bundled.values()]:
        for lib in needed(elf):
            if not SYSTEM.match(lib) and lib not in bundled:
                bad.append(f"{elf.name} needs {lib}")
    print(f"{len(bundled)} bundled libraries; every dependency is bundled or a base system library"
          if not bad else "\n".join(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
