"""The streams of an OLE compound file (.xls, WPS .et, an encrypted .xlsx).

Only what telling the formats apart and sizing a .xls needs: the names in the
directory and one stream's bytes. Every sector is checked to lie inside the
file, so a file cut short (an upload broken off) is named as such rather than
read as zeros.
"""

import struct

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_MAX_SECTORS = 1 << 22  # a 10 MB file holds far fewer: a chain longer loops


class Truncated(Exception):
    """A sector the file needs lies beyond its end."""


class CompoundFile:
    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(MAGIC):
            raise Truncated
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if not 7 <= shift <= 16 or mini_shift > shift:
            raise ValueError("sector size")
        self.size = 1 << shift
        self.mini_size = 1 << mini_shift
        (self.mini_cutoff,) = struct.unpack_from("<I", data, 0x38)
        fat_count, dir_start = struct.unpack_from("<II", data, 0x2C)
        mini_fat_start, _, difat_start, difat_count = struct.unpack_from(
            "<IIII", data, 0x3C
        )
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C)]
        per = self.size // 4
        sector = difat_start
        for _ in range(min(difat_count, _MAX_SECTORS)):
            if sector >= _END:
                break
            entries = struct.unpack_from(f"<{per}I", self._sector(sector))
            fat_sectors += entries[:-1]
            sector = entries[-1]
        fat_sectors = [s for s in fat_sectors if s < _END][:fat_count]
        self.fat: list[int] = []
        for s in fat_sectors:
            self.fat += struct.unpack_from(f"<{per}I", self._sector(s))
        self.entries: dict[str, tuple[int, int, int]] = {}  # name: type, start, size
        directory = self._chain_bytes(dir_start, self.fat, self._sector)
        for offset in range(0, len(directory) - 127, 128):
            length, kind = struct.unpack_from("<HB", directory, offset + 0x40)
            if kind == 0 or not 2 <= length <= 64:
                continue
            name = directory[offset : offset + length - 2].decode(
                "utf-16-le", "replace"
            )
            start, size = struct.unpack_from("<IQ", directory, offset + 0x74)
            if kind == 5:  # the root entry holds the mini stream
                self.root = (start, size)
            self.entries.setdefault(name, (kind, start, size))
        self.mini_fat_start = mini_fat_start

    def _sector(self, number: int) -> bytes:
        start = (number + 1) * self.size
        if number >= _END or start + self.size > len(self.data):
            raise Truncated
        return self.data[start : start + self.size]

    def _chain_bytes(self, start: int, fat: list[int], read) -> bytes:
        parts, sector = [], start
        while sector not in (_END, _FREE):
            if len(parts) > _MAX_SECTORS or sector >= len(fat):
                raise Truncated
            parts.append(read(sector))
            sector = fat[sector]
        return b"".join(parts)

    def names(self) -> set[str]:
        return set(self.entries)

    def stream(self, name: str) -> bytes:
        """Return a stream's bytes; raise Truncated if the file ends before them."""
        _, start, size = self.entries[name]
        if size >= self.mini_cutoff:
            return self._whole(self._chain_bytes(start, self.fat, self._sector), size)
        mini_fat_bytes = self._chain_bytes(self.mini_fat_start, self.fat, self._sector)
        mini_fat = list(struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes))
        container = self._chain_bytes(self.root[0], self.fat, self._sector)

        def mini(number: int) -> bytes:
            begin = number * self.mini_size
            if begin + self.mini_size > len(container):
                raise Truncated
            return container[begin : begin + self.mini_size]

        return self._whole(self._chain_bytes(start, mini_fat, mini), size)

    @staticmethod
    def _whole(found: bytes, size: int) -> bytes:
        if len(found) < size:
            raise Truncated
        return found[:size]
