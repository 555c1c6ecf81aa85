"""Emit the C source of the cffi module ``provisioning_device_client._native``.

Usage: gen_cffi.py CDEF_DIR OUT_C

Only generates C (``ffi.emit_c_code``); CMake compiles and links it. The cdef
files in CDEF_DIR are reviewed copies of our public headers, one per C module,
read in name order. Each starts with a line ``/* header: <path> */`` naming the
public header it mirrors; the generated module includes exactly those.
"""

import pathlib
import re
import sys

import cffi

_HEADER_LINE = re.compile(r"^/\* header: (\S+) \*/$", re.MULTILINE)


def build_ffi(cdef_dir: pathlib.Path) -> cffi.FFI:
    ffi = cffi.FFI()
    includes = []
    for cdef in sorted(cdef_dir.glob("*.h")):
        text = cdef.read_text(encoding="utf-8")
        header = _HEADER_LINE.search(text)
        if header is None:
            raise SystemExit(f"{cdef}: missing '/* header: <path> */' line")
        includes.append(f'#include "{header.group(1)}"')
        ffi.cdef(text)
    ffi.set_source("provisioning_device_client._native", "\n".join(includes) + "\n")
    return ffi


def main(argv: list) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    ffi = build_ffi(pathlib.Path(argv[1]))
    out = pathlib.Path(argv[2])
    tmp = out.with_suffix(".tmp.c")
    ffi.emit_c_code(str(tmp))
    tmp.replace(out)  # atomic: a failed run never leaves a half-written file for the compiler
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
