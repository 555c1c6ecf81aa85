"""A minimal DER reader for tests: decodes TLVs so extension payloads can be checked
independently of the C encoder (no shared code with csrc/dice)."""

from typing import List, NamedTuple, Tuple


class TLV(NamedTuple):
    tag: int
    value: bytes

    def children(self) -> List["TLV"]:
        return parse_all(self.value)

    def integer(self) -> int:
        return int.from_bytes(self.value, "big", signed=True)

    def oid(self) -> str:
        first, rest = self.value[0], self.value[1:]
        arcs = [first // 40, first % 40] if first < 80 else [2, first - 80]
        n = 0
        for b in rest:
            n = (n << 7) | (b & 0x7F)
            if not b & 0x80:
                arcs.append(n)
                n = 0
        return ".".join(map(str, arcs))


def parse_one(data: bytes, offset: int = 0) -> Tuple[TLV, int]:
    tag = data[offset]
    length = data[offset + 1]
    pos = offset + 2
    if length & 0x80:
        count = length & 0x7F
        assert 1 <= count <= 4, "bad length"
        length = int.from_bytes(data[pos:pos + count], "big")
        assert length >= 0x80, "non-minimal DER length"
        pos += count
    end = pos + length
    assert end <= len(data), "truncated"
    return TLV(tag, data[pos:end]), end


def parse_all(data: bytes) -> List[TLV]:
    out, pos = [], 0
    while pos < len(data):
        tlv, pos = parse_one(data, pos)
        out.append(tlv)
    return out


def parse(data: bytes) -> TLV:
    tlv, end = parse_one(data)
    assert end == len(data), "trailing bytes"
    return tlv
