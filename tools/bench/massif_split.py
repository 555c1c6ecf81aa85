"""Splits the heap peak of a valgrind massif profile into our code's allocations and the
libraries' (OpenSSL, libcurl, Paho, ...): an allocation is ours when the first frame above
the allocator is in a source file of csrc/.

usage: massif_split.py MASSIF_OUT CSRC_DIR   -> prints JSON {peak_bytes, ours_bytes, ours_top}"""

import json
import pathlib
import re
import sys

NODE = re.compile(r"^(\s*)n(\d+): (\d+) (?:0x[0-9A-F]+: )?(.*)$")
ALLOCATORS = ("malloc", "calloc", "realloc", "CRYPTO_malloc", "CRYPTO_zalloc", "CRYPTO_realloc", "CRYPTO_clear_realloc",
              "CRYPTO_secure_malloc", "CRYPTO_secure_zalloc", "Curl_", "curl_", "cJSON_", "strdup", "OPENSSL_")


def main() -> int:
    text = pathlib.Path(sys.argv[1]).read_text()
    ours_files = {p.name for p in pathlib.Path(sys.argv[2]).rglob("*.c")}
    snapshots = text.split("snapshot=")[1:]
    peak = next(s for s in snapshots if "heap_tree=peak" in s)
    peak_bytes = int(re.search(r"mem_heap_B=(\d+)", peak).group(1))
    lines = [line for line in peak.splitlines() if NODE.match(line)]
    ours, top = 0, {}
    stack = []  # (depth, function, file)
    for line in lines:
        indent, _, size, rest = NODE.match(line).groups()
        depth = len(indent)
        stack = [frame for frame in stack if frame[0] < depth]
        where = re.search(r"\(([^():]+\.c):\d+\)", rest)
        stack.append((depth, rest.split(" (")[0], where.group(1) if where else ""))
        # attribute at the first frame that is not an allocator wrapper
        frames = stack[1:]
        while frames and frames[0][1].startswith(ALLOCATORS):
            frames = frames[1:]
        if len(frames) == 1:
            if frames[0][2] in ours_files:
                ours += int(size)
                top[frames[0][1]] = top.get(frames[0][1], 0) + int(size)
    print(json.dumps({"peak_bytes": peak_bytes, "ours_bytes": ours,
                      "ours_top": dict(sorted(top.items(), key=lambda kv: -kv[1])[:5])}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
