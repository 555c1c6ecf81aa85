# Type stub for the private cffi module built by CMake (tools/gen_cffi.py).
from typing import Any

ffi: Any
lib: Any
