# Shared settings for the tools/ scripts. Source it; do not run it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${PDC_VENV:-$ROOT/.venv}"
PYTHON="${PDC_PYTHON:-python3}"
BUILD="${PDC_BUILD_DIR:-$ROOT/build}"
JOBS="${PDC_JOBS:-$(nproc 2>/dev/null || echo 2)}"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
