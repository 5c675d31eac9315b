"""Reading untrusted containers within bounds: zip archives, JSON, safetensors.

Everything here checks what a file declares (directory sizes, compression
ratios, headers' shapes) before inflating or allocating, and then reads while
counting, so a file that lies about its sizes is caught too. Failures are
FileReadError naming the file (`label`) and the problem in our words.
"""
from __future__ import annotations

import json
import math
import os
import struct
import zipfile
import zlib
from typing import IO, Any, BinaryIO, Callable

import numpy as np

from . import limits
from .errors import FileReadError
from .limits import human_bytes

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_EOCD = b"PK\x06\x06"
_ZIP64_EOCD_SIZE = 56
_MAX_COMMENT = 65535

ZipSource = str | os.PathLike[str] | BinaryIO
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


# ---------------------------------------------------------------------------
# JSON


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(data: bytes | str, label: str, what: str, *, max_depth: int = limits.MAX_JSON_DEPTH) -> Any:
    """Parse JSON text: invalid text, NaN/Infinity and nesting deeper than `max_depth` are FileReadErrors."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise FileReadError(f"{what} is nested too deeply to be ours (more than {max_depth} levels)", path=label) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise FileReadError(f"{what} is not valid JSON ({_short(exc)})", path=label) from None
    check_json_tree(value, label, what, max_depth=max_depth)
    return value


def check_json_tree(value: Any, label: str, what: str, *, max_depth: int = limits.MAX_JSON_DEPTH) -> None:
    """Walk a parsed JSON value without recursion: bounded depth, finite numbers only."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise FileReadError(f"{what} is nested too deeply to be ours (more than {max_depth} levels)", path=label)
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float) and not math.isfinite(item):
            # 1e999 parses as infinity; nothing we write holds one
            raise FileReadError(f"{what} holds a number too large to be ours", path=label)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# ---------------------------------------------------------------------------
# zip archives


def _directory_size(fp: IO[bytes]) -> tuple[int, int] | None:
    """(entries, central directory bytes) from the end-of-directory records, or None if there are none.

    Read before zipfile parses the directory: it loads the whole directory and
    makes an object per entry, which a forged archive can make gigabytes.
    """
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    tail_len = min(size, _EOCD_SIZE + _MAX_COMMENT)
    fp.seek(size - tail_len)
    tail = fp.read(tail_len)
    # the record zipfile will use: one without comment at the very end, else the last signature
    if len(tail) >= _EOCD_SIZE and tail[-_EOCD_SIZE:][:4] == _EOCD and tail[-2:] == b"\0\0":
        pos = len(tail) - _EOCD_SIZE
    else:
        pos = tail.rfind(_EOCD)
    if pos < 0 or len(tail) - pos < _EOCD_SIZE:
        return None
    _sig, _disk, _disk_cd, _n_disk, entries, cd_bytes, cd_offset, _comment = struct.unpack("<4s4H2LH", tail[pos : pos + _EOCD_SIZE])
    if entries == 0xFFFF or cd_bytes == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        eocd_at = size - tail_len + pos
        record_at = eocd_at - _ZIP64_LOCATOR_SIZE - _ZIP64_EOCD_SIZE
        if record_at >= 0:
            fp.seek(record_at)
            record = fp.read(_ZIP64_EOCD_SIZE + _ZIP64_LOCATOR_SIZE)
            if record[:4] == _ZIP64_EOCD and record[_ZIP64_EOCD_SIZE : _ZIP64_EOCD_SIZE + 4] == _ZIP64_LOCATOR:
                fields = struct.unpack("<4sQ2H2L4Q", record[:_ZIP64_EOCD_SIZE])
                entries, cd_bytes = fields[7], fields[8]
    return entries, cd_bytes


class SafeZip:
    """A zip archive opened for bounded reading; use as a context manager.

    Opening checks the directory's size and that names are unique; reading a
    member checks its method, declared size and ratio against the caller's
    limit, then inflates it in chunks while counting.
    """

    def __init__(self, source: ZipSource, label: str, what: str, *, not_zip: str | None = None) -> None:
        self.label = label
        self.what = what  # "GAN Studio project", ".npz latent": for messages
        self.not_zip = not_zip or f"not a {what} (not a readable zip archive)"
        self._own: BinaryIO | None = None
        if isinstance(source, (str, os.PathLike)):
            try:
                self._own = fp = open(source, "rb")
            except FileNotFoundError:
                raise FileReadError("file not found", path=label) from None
            except IsADirectoryError:
                raise FileReadError("is a folder, not a file", path=label) from None
            except OSError as exc:
                raise FileReadError(f"cannot be read ({exc.strerror or exc})", path=label) from None
        else:
            fp = source
        try:
            self.archive = self._open(fp)
        except BaseException:
            self.close()
            raise

    def _open(self, fp: BinaryIO) -> zipfile.ZipFile:
        not_zip = self.not_zip
        try:
            found = _directory_size(fp)
            fp.seek(0)
        except (OSError, struct.error, ValueError):
            raise FileReadError(not_zip, path=self.label) from None
        if found is None:
            raise FileReadError(not_zip, path=self.label)
        entries, cd_bytes = found
        if entries > limits.MAX_ZIP_MEMBERS or cd_bytes > limits.MAX_ZIP_DIRECTORY_BYTES:
            raise FileReadError(
                f"its zip directory lists {entries} members in {human_bytes(cd_bytes)}; a {self.what} has at most "
                f"{limits.MAX_ZIP_MEMBERS} members",
                path=self.label,
            )
        try:
            archive = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error, NotImplementedError):
            raise FileReadError(not_zip, path=self.label) from None
        names = archive.namelist()
        if len(names) > limits.MAX_ZIP_MEMBERS:  # a directory that disagrees with its end record
            archive.close()
            raise FileReadError(f"its zip directory lists {len(names)} members; at most {limits.MAX_ZIP_MEMBERS}", path=self.label)
        if len(set(names)) != len(names):
            archive.close()
            twice = sorted({n[:60] for n in names if names.count(n) > 1})
            raise FileReadError(f"the archive lists {', '.join(twice[:3])} more than once (damaged or forged)", path=self.label)
        self._names = set(names)
        return archive

    def __enter__(self) -> "SafeZip":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        archive = getattr(self, "archive", None)
        if archive is not None:
            archive.close()
        if self._own is not None:
            self._own.close()
            self._own = None

    def names(self) -> list[str]:
        return self.archive.namelist()

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def check_member(self, name: str, limit: int) -> zipfile.ZipInfo:
        """The member's directory entry, if its method, declared size and ratio are acceptable."""
        info = self.archive.getinfo(name)
        if info.flag_bits & 0x1:
            raise FileReadError(f"{name} is encrypted; GAN Studio never encrypts its files", path=self.label)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileReadError(
                f"{name} uses a compression method GAN Studio does not write (method {info.compress_type})", path=self.label
            )
        declared, packed = int(info.file_size), int(info.compress_size)
        if declared > limit:
            raise FileReadError(
                f"{name} would inflate to {human_bytes(declared)}; GAN Studio reads at most {human_bytes(limit)} there",
                path=self.label,
            )
        if info.compress_type == zipfile.ZIP_STORED and packed != declared:
            raise FileReadError(f"the archive's directory is damaged ({name}'s sizes disagree)", path=self.label)
        if declared > limits.RATIO_CHECK_FLOOR and declared > limits.MAX_COMPRESSION_RATIO * max(packed, 1):
            raise FileReadError(
                f"{name} would inflate {declared / max(packed, 1):.0f} times ({human_bytes(packed)} to "
                f"{human_bytes(declared)}); GAN Studio refuses members over {human_bytes(limits.RATIO_CHECK_FLOOR)} "
                f"compressed more than {limits.MAX_COMPRESSION_RATIO}:1 (a zip bomb)",
                path=self.label,
            )
        return info

    def open_member(self, name: str, limit: int) -> "CountingReader":
        """A reader of the member's inflated bytes that refuses to go past `limit` or its declared size."""
        info = self.check_member(name, limit)
        try:
            stream = self.archive.open(info)
        except _READ_ERRORS as exc:
            raise FileReadError(f"the archive is damaged ({name}: {_short(exc)})", path=self.label) from None
        return CountingReader(stream, min(limit, int(info.file_size)), name, self.label)

    def read_member(self, name: str, limit: int) -> bytearray:
        """The member's whole content (at most `limit` bytes, checked before and while inflating)."""
        with self.open_member(name, limit) as reader:
            data = reader.read_exact(reader.allowed, what=name)
            reader.expect_end()
        return data


class CountingReader:
    """Reads a zip member in chunks, never more than `allowed` bytes in all."""

    def __init__(self, stream: IO[bytes], allowed: int, name: str, label: str) -> None:
        self._stream = stream
        self.allowed = allowed
        self.count = 0
        self.name = name
        self.label = label

    def __enter__(self) -> "CountingReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()

    def _damaged(self, exc: BaseException) -> FileReadError:
        return FileReadError(f"the archive is damaged ({self.name}: {_short(exc)})", path=self.label)

    def read_exact(self, size: int, *, what: str) -> bytearray:
        """Exactly `size` bytes (in chunks, counted), or a FileReadError saying `what` is cut short."""
        if size < 0 or self.count + size > self.allowed:
            raise FileReadError(f"{what} claims more data than {self.name} holds", path=self.label)
        out = bytearray(size)  # allowed <= the caller's limit, so this is bounded
        self._fill(memoryview(out), what)
        return out

    def read_into(self, array: np.ndarray, *, what: str) -> None:
        """Fill a contiguous array from the stream (no intermediate copy of the whole)."""
        view = memoryview(array.reshape(-1).view(np.uint8))
        if self.count + len(view) > self.allowed:
            raise FileReadError(f"{what} claims more data than {self.name} holds", path=self.label)
        self._fill(view, what)

    def _fill(self, view: memoryview, what: str) -> None:
        size, done = len(view), 0
        while done < size:
            try:
                chunk = self._stream.read(min(limits.CHUNK_BYTES, size - done))
            except _READ_ERRORS as exc:
                raise self._damaged(exc) from None
            if not chunk:
                raise FileReadError(f"{what} is cut short ({self.name} ends early)", path=self.label)
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
        self.count += size

    def expect_end(self) -> None:
        """Read to the member's end (a CRC check happens there); data beyond what was used is refused."""
        try:
            extra = self._stream.read(1)
        except _READ_ERRORS as exc:
            raise self._damaged(exc) from None
        if extra:
            raise FileReadError(f"{self.name} holds more data than its header describes", path=self.label)


# ---------------------------------------------------------------------------
# safetensors, streamed

_SAFETENSORS_DTYPES: dict[str, np.dtype[Any] | None] = {
    "U8": np.dtype("u1"), "I8": np.dtype("i1"), "U16": np.dtype("<u2"), "I16": np.dtype("<i2"),
    "U32": np.dtype("<u4"), "I32": np.dtype("<i4"), "U64": np.dtype("<u8"), "I64": np.dtype("<i8"),
    "F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8"),
    "BOOL": None, "BF16": None, "F8_E4M3": None, "F8_E5M2": None,
}

ArrayCheck = Callable[[str, np.dtype[Any], tuple[int, ...]], str | None]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_safetensors(zipped: SafeZip, member: str, limit: int, check: ArrayCheck | None = None) -> dict[str, np.ndarray]:
    """Named arrays of a safetensors member, its header validated before any data is read.

    `check(name, dtype, shape)` may return a sentence saying why an array is not
    acceptable where it is (dtype, rank, size); it sees only the header.
    """
    label = zipped.label
    corrupt = f"{member} is corrupt"
    with zipped.open_member(member, limit) as reader:
        (header_len,) = struct.unpack("<Q", reader.read_exact(8, what=f"{member}'s header"))
        if header_len > min(limits.MAX_SAFETENSORS_HEADER_BYTES, reader.allowed - 8):
            raise FileReadError(f"{corrupt} (its header claims {human_bytes(header_len)})", path=label)
        try:
            header = parse_json(reader.read_exact(header_len, what=f"{member}'s header"), label, "its header", max_depth=4)
        except FileReadError as exc:
            raise FileReadError(f"{corrupt} ({exc.reason})", path=label) from None
        if not isinstance(header, dict):
            raise FileReadError(f"{corrupt} (its header is not a table of arrays)", path=label)
        header.pop("__metadata__", None)
        if len(header) > limits.MAX_ARRAYS_PER_MEMBER:
            raise FileReadError(f"{member} lists {len(header)} arrays; at most {limits.MAX_ARRAYS_PER_MEMBER}", path=label)
        entries = []
        for name, entry in header.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("dtype"), str):
                raise FileReadError(f"{corrupt} (array {name!r} is not described properly)", path=label)
            kind = entry["dtype"]
            if kind not in _SAFETENSORS_DTYPES:
                raise FileReadError(f"{corrupt} (array {name!r} has unknown type {kind[:16]!r})", path=label)
            dtype = _SAFETENSORS_DTYPES[kind]
            if dtype is None:
                what = "true/false values" if kind == "BOOL" else f"{kind} values"
                raise FileReadError(f"{member}: array {name!r} holds {what}; GAN Studio stores numbers there", path=label)
            shape, offsets = entry.get("shape"), entry.get("data_offsets")
            if not (isinstance(shape, list) and len(shape) <= 8 and all(_is_int(d) and d >= 0 for d in shape)):
                raise FileReadError(f"{corrupt} (array {name!r} has no valid shape)", path=label)
            if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_int(o) and o >= 0 for o in offsets)):
                raise FileReadError(f"{corrupt} (array {name!r} has no valid data offsets)", path=label)
            nbytes = math.prod(shape) * dtype.itemsize
            if offsets[1] - offsets[0] != nbytes:
                raise FileReadError(f"{corrupt} (array {name!r}: its shape and its data size disagree)", path=label)
            if check is not None:
                problem = check(name, dtype, tuple(shape))
                if problem:
                    raise FileReadError(f"{member}: array {name!r} {problem}", path=label)
            entries.append((offsets[0], offsets[1], name, dtype, tuple(shape)))
        entries.sort()
        position = 0
        for begin, end, name, _dtype, _shape in entries:  # the data is covered exactly, no holes, no overlaps
            if begin != position:
                raise FileReadError(f"{corrupt} (array {name!r} is not where the header says)", path=label)
            position = end
        if 8 + header_len + position > reader.allowed:
            raise FileReadError(
                f"{corrupt} (its arrays claim {human_bytes(position)}, more than the member holds)", path=label
            )
        arrays: dict[str, np.ndarray] = {}
        for _begin, _end, name, dtype, shape in entries:
            array = np.empty(shape, dtype=dtype)
            reader.read_into(array, what=f"array {name!r}")
            arrays[name] = array if dtype.isnative else array.astype(dtype.newbyteorder("="))
        reader.expect_end()
    return arrays


__all__ = ["CountingReader", "SafeZip", "check_json_tree", "parse_json", "read_safetensors"]
