"""Hostile and broken files (issue 22): every one is a FileReadError naming the file and the problem,
in bounded time and memory, and normal files still open.

The hostile files are made here, in a temporary folder (never checked in): zip
bombs are built from one deflated MiB of zeros repeated (a valid deflate stream
since each piece ends in a full flush), so a member that really inflates to
1.5 GiB costs ~1.5 MB and a fraction of a second to make. They are opened in a
child process, several per child, which reports each one's error, time and
peak memory growth (its own peak RSS over a baseline taken after warm-up reads:
VmHWM on Linux, where ru_maxrss would include the parent's peak, else ru_maxrss).
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from safetensors.numpy import save as save_safetensors

from ganstudio.document import limits
from ganstudio.document.autosave import RecoveryStore
from ganstudio.document.errors import FileReadError
from ganstudio.document.image_io import encode_label_map, read_label_map, read_photo
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.latent_io import read_latent_npz, write_latent_npz
from ganstudio.document.palette import Palette
from ganstudio.document.project import LATENTS_FILE, STATE_FILE, STYLES_FILE, Project, encode_project, load_project

REPO = Path(__file__).resolve().parents[2]
MIB = 1 << 20
GIB = 1 << 30
TIME_LIMIT_S = 2.0
MEMORY_LIMIT_MB = 1024.0
PALETTE = Palette([("sky", (0, 0, 255)), ("grass", (0, 200, 0)), ("rock", (128, 128, 128))])

resource = pytest.importorskip("resource")  # ru_maxrss: POSIX only


# ---------------------------------------------------------------------------
# making bombs cheaply


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine, which Python does not expose)."""

    def times(matrix: list[int], vector: int) -> int:
        total, row = 0, 0
        while vector:
            if vector & 1:
                total ^= matrix[row]
            vector >>= 1
            row += 1
        return total

    def square(matrix: list[int]) -> list[int]:
        return [times(matrix, matrix[n]) for n in range(32)]

    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = square(odd)
    odd = square(even)
    while True:
        even = square(odd)
        if len2 & 1:
            crc1 = times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = square(even)
        if len2 & 1:
            crc1 = times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _full_flush_segment(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)


ZERO_MIB = _full_flush_segment(bytes(MIB))  # ~1 KB that inflates to 1 MiB, and can be repeated
FINAL_BLOCK = b"\x03\x00"  # an empty last block ends the stream
_ZERO_CRCS: dict[int, int] = {}


def zeros_crc(mib: int) -> int:
    if mib not in _ZERO_CRCS:
        crc, block = 0, bytes(MIB)
        for _ in range(mib):
            crc = zlib.crc32(block, crc)
        _ZERO_CRCS[mib] = crc
    return _ZERO_CRCS[mib]


def deflated_bomb(prefix: bytes, zero_mib: int) -> tuple[bytes, int, int]:
    """(raw deflate data, CRC-32, inflated size) of `prefix` followed by `zero_mib` MiB of zeros."""
    data = _full_flush_segment(prefix) + ZERO_MIB * zero_mib + FINAL_BLOCK
    crc = crc32_combine(zlib.crc32(prefix), zeros_crc(zero_mib), zero_mib * MIB)
    return data, crc, len(prefix) + zero_mib * MIB


def raw_zip(entries: list[tuple[str, int, int, bytes, int]]) -> bytes:
    """A zip from (name, method, crc, stored bytes, declared inflated size): whatever the directory should claim."""
    out, central = bytearray(), bytearray()
    for name, method, crc, data, size in entries:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset
        )
        central += encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def stored(name: str, data: bytes) -> tuple[str, int, int, bytes, int]:
    return (name, zipfile.ZIP_STORED, zlib.crc32(data), data, len(data))


def bomb(name: str, prefix: bytes, zero_mib: int, declared: int | None = None) -> tuple[str, int, int, bytes, int]:
    data, crc, size = deflated_bomb(prefix, zero_mib)
    return (name, zipfile.ZIP_DEFLATED, crc, data, size if declared is None else declared)


def safetensors_prefix(arrays: dict[str, tuple[str, list[int]]]) -> bytes:
    """The 8-byte length and JSON header of a safetensors file whose data (zeros) follows."""
    header, offset = {}, 0
    for name, (dtype, shape) in arrays.items():
        size = math.prod(shape) * {"U8": 1, "F32": 4, "BOOL": 1}[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text


def npy_prefix(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def many_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(count):
            archive.writestr(str(index), b"")
    return buffer.getvalue()


def small_project() -> Project:
    ids = np.arange(24 * 32).reshape(24, 32) % 3
    return Project(label_map=LabelMap(ids, PALETTE), view={"zoom": 1.0})


def project_members(project: Project) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(encode_project(project))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def project_with(*extra: tuple[str, int, int, bytes, int], state: dict[str, Any] | None = None, replace_state: bytes | None = None) -> bytes:
    """A small valid project whose members are joined (or replaced) by `extra`."""
    members = project_members(small_project())
    if state is not None:
        merged = json.loads(members[STATE_FILE])
        merged.update(state)
        members[STATE_FILE] = json.dumps(merged).encode()
    if replace_state is not None:
        members[STATE_FILE] = replace_state
    names = {entry[0] for entry in extra}
    return raw_zip([stored(name, data) for name, data in members.items() if name not in names] + list(extra))


def png_bytes(width: int, height: int, *, bit_depth: int = 1, colour_type: int = 0, chunks: list[tuple[bytes, bytes]] = ()) -> bytes:
    """A valid PNG of zeros (built by hand: Pillow would need the whole image in memory to write it)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">L", len(body)) + kind + body + struct.pack(">L", zlib.crc32(kind + body))

    row = 1 + math.ceil(width * bit_depth * {0: 1, 2: 3, 3: 1}[colour_type] / 8)
    size = row * height  # zero rows (filter 0), from the repeated deflated MiB and a short tail
    whole, rest = divmod(size, MIB)
    adler = ((size % 65521) << 16) | 1  # Adler-32 of zeros: a stays 1, b grows by 1 a byte
    pixels = b"\x78\xda" + ZERO_MIB * whole + _full_flush_segment(bytes(rest)) + FINAL_BLOCK + struct.pack(">L", adler)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">2L5B", width, height, bit_depth, colour_type, 0, 0, 0))
    for kind, body in chunks:
        out += chunk(kind, body)
    return out + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int, *, progressive: bool = False) -> bytes:
    """A small JPEG whose frame header claims width x height."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 120, 200)).save(buffer, format="JPEG", progressive=progressive)
    data = bytearray(buffer.getvalue())
    sof = data.find(b"\xff\xc2" if progressive else b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


# ---------------------------------------------------------------------------
# the hostile cases: (id, reader, file name, file bytes, expected message pattern)

def _cases() -> list[tuple[str, str, str, bytes, str | None]]:
    """None as the pattern: a file that opens (within the same bounds)."""
    deep = b'{"format": "ganstudio-project", "version": 1, "view": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    nested_40 = json.dumps({"format": "ganstudio-project", "version": 1, "workspace": {"a": json.loads("[" * 40 + "]" * 40)}}).encode()
    big_image = ("source0.image", ("U8", [25_000, 21_000, 3]))  # 1.5 GiB, a photo larger than any we read
    w_ok = npy_prefix((1, 18, 512))
    return [
        # 4: zip bombs, checked from the directory before inflating
        ("style-bomb-3gib", "project", "styles3g.gstudio",
         project_with(bomb(STYLES_FILE, safetensors_prefix(dict([big_image])), 1502)),
         r"styles\.safetensors would inflate to 1\.6 GB; GAN Studio reads at most 536\.9 MB"),
        ("style-ratio", "project", "ratio.gstudio",
         project_with(bomb(STYLES_FILE, safetensors_prefix({"source0.image": ("U8", [4096, 8192, 3])}), 96)),
         r"styles\.safetensors would inflate \d+ times .*more than 200:1 \(a zip bomb\)"),
        ("json-1.5gb", "project", "json15.gstudio",
         project_with(bomb(STATE_FILE, b'{"format": "ganstudio-project", "version": 1, "view": {"x": "', 1500)),
         r"project\.json would inflate to 1\.6 GB; GAN Studio reads at most 8\.4 MB"),
        ("json-forged-size", "project", "forged.gstudio",
         project_with(bomb(STATE_FILE, b'{"format": "ganstudio-project", "version": 1, "view": {"x": "', 1024, declared=4 * MIB)),
         r"damaged"),
        ("latents-forged-header", "project", "lathdr.gstudio",
         project_with(bomb(LATENTS_FILE, safetensors_prefix({"current_ws": ("F32", [1 << 20, 1 << 23])}), 1)),
         r"latents\.safetensors is corrupt \(its arrays claim 35\.2 TB, more than the member holds\)"),
        ("favourite-32tib", "project", "favhdr.gstudio",
         project_with(bomb(LATENTS_FILE, safetensors_prefix({"favourite0.w": ("F32", [1 << 20, 1 << 23])}), 1)),
         r"array 'favourite0\.w' holds 1048576x8388608 values; a latent holds at most 1048576"),
        ("many-members", "project", "many.gstudio", many_members(70_000),  # past 65535: a zip64 end record
         r"its zip directory lists 70000 members in 3\.6 MB; a GAN Studio project has at most 64 members"),
        ("bzip2-member", "project", "bz2.gstudio",
         project_with((STYLES_FILE, zipfile.ZIP_BZIP2, 0, b"BZh9", 10)),
         r"styles\.safetensors uses a compression method GAN Studio does not write"),
        ("npz-bomb", "latent", "bomb.npz",
         raw_zip([bomb("w.npy", w_ok, 1500)]),
         r"w\.npy would inflate to 1\.6 GB; GAN Studio reads at most"),
        ("npz-32tib-header", "latent", "huge.npz",
         raw_zip([bomb("w.npy", npy_prefix((1, 1 << 20, 1 << 23)), 1)]),
         r"'w' declares shape \[1, 1048576, 8388608\] \(8796093022208 values\); a latent holds at most 1048576"),
        # 8: structure and types
        ("json-deep", "project", "deep.gstudio", project_with(replace_state=deep), r"project\.json is nested too deeply"),
        ("json-depth-40", "project", "depth40.gstudio", project_with(replace_state=nested_40), r"project\.json is nested too deeply"),
        ("version-true", "project", "vtrue.gstudio", project_with(state={"version": True}), r"unknown project format version 'true'"),
        ("model-path-list", "project", "mpath.gstudio", project_with(state={"model": {"path": ["a", "b"]}}),
         r"'model\.path' in project\.json should be a string, not a list"),
        ("palette-name-list", "project", "pname.gstudio",
         project_with(state={"label_map": {"file": "labelmap.png", "width": 32, "height": 24,
                                           "palette": [{"name": ["sky"], "color": [0, 0, 255]}]}}),
         r"'label_map\.palette\[0\]\.name' in project\.json should be a string, not a list"),
        ("sources-not-strings", "project", "sources.gstudio", project_with(state={"region_styles": {"sources": [1]}}),
         r"'region_styles\.sources\[0\]' in project\.json should be a string, not a whole number"),
        ("favourite-name-list", "project", "fav.gstudio", project_with(state={"latent_favourites": [{"name": [1], "w": "favourite0.w"}]}),
         r"'latent_favourites\[0\]\.name' in project\.json should be a string"),
        ("layout-box-far-off", "project", "lfar.gstudio",
         project_with(state={"layout": {"boxes": [{"class": "sky", "x": 1e300, "y": 0, "w": 1, "h": 0.5, "seed": 1}]}}),
         r"'layout\.boxes\[0\]\.x' in project\.json should be a fraction of the picture"),
        ("layout-class-number", "project", "lclass.gstudio",
         project_with(state={"layout": {"boxes": [{"class": 3, "x": 0, "y": 0, "w": 1, "h": 0.5, "seed": 1}]}}),
         r"'layout\.boxes\[0\]\.class' in project\.json should be a string"),
        ("layout-many-boxes", "project", "lmany.gstudio",
         project_with(state={"layout": {"boxes": [{"class": "sky", "x": 0, "y": 0, "w": 1, "h": 1, "seed": 1}] * 1000}}),
         r"its layout has 1000 boxes \(at most 256"),
        ("bool-style-array", "project", "boolstyle.gstudio",
         project_with(stored(STYLES_FILE, save_safetensors({"sky": np.ones((4, 4), bool)}))),
         r"styles\.safetensors: array 'sky' holds true/false values"),
        ("float-style-image", "project", "fimage.gstudio",
         project_with(stored(STYLES_FILE, save_safetensors({"source0.image": np.ones((4, 4, 3), np.float32)}))),
         r"array 'source0\.image' should be an RGB image"),
        ("source-size-mismatch", "project", "pair.gstudio",
         project_with(stored(STYLES_FILE, save_safetensors({"source0.image": np.zeros((4, 6, 3), np.uint8),
                                                            "source0.labels": np.zeros((5, 6), np.uint8)}))),
         r"style source 'source0' has a 6x4 photo but a 6x5 label map"),
        ("labelmap-claims-huge", "project", "lmhuge.gstudio",
         project_with(stored("labelmap.png", png_bytes(20_000, 20_000, bit_depth=8, colour_type=3,
                                                       chunks=[(b"PLTE", bytes(9))])),
                      state={"label_map": {"file": "labelmap.png", "width": 32, "height": 24,
                                           "palette": PALETTE.to_json()}}),
         r"its label map is unreadable \(the image is far too large \(400\.0 megapixels\); label maps can be at most 16\.8"),
        ("npy-named-npz", "latent", "plain.npz", npy_prefix((1, 18, 512)) + bytes(18 * 512 * 4),
         r"a single NumPy array \(\.npy\), not an \.npz archive"),
        ("object-w", "latent", "objects.npz", raw_zip([stored("w.npy", npy_prefix((1, 18, 512), "|O") + b"\x80\x04N.")]),
         r"'w' holds Python objects; a latent holds floats"),
        ("bool-w", "latent", "boolw.npz", raw_zip([stored("w.npy", npy_prefix((1, 18, 512), "|b1") + bytes(18 * 512))]),
         r"'w' holds true/false values"),
        ("w-cut-short", "latent", "short.npz", raw_zip([stored("w.npy", w_ok + bytes(100))]),
         r"'w' claims more data than w\.npy holds|cut short"),
        # 5: image sizes, from the header
        ("png-169mpx-photo", "photo", "huge.png", png_bytes(13_000, 13_000),
         r"the image is 13000x13000 \(169\.0 megapixels\); photos can be at most 50\.0 megapixels"),
        ("png-169mpx-labels", "labels", "hugelabels.png", png_bytes(13_000, 13_000),
         r"the image is 13000x13000 \(169\.0 megapixels\); label maps can be at most 16\.8 megapixels"),
        ("png-25mpx-labels", "labels", "labels25.png", png_bytes(5_000, 5_000, bit_depth=8),
         r"the image is 5000x5000 \(25\.0 megapixels\); label maps can be at most 16\.8 megapixels"),
        ("jpeg-3600mpx", "photo", "giant.jpg", jpeg_claiming(60_000, 60_000),
         r"the image is far too large \(3600\.0 megapixels\); photos can be at most 50\.0 megapixels"),
        # a JPEG claiming 120 Mpx with 16x16 of data: decoded at 1/2 size (30 Mpx) as libjpeg pads it, within bounds
        ("jpeg-120mpx-lying", "photo", "liar.jpg", jpeg_claiming(12_000, 10_000), None),
        # progressive: libjpeg keeps every coefficient whatever the scale, which Pillow's own 179 Mpx ceiling bounds
        ("jpeg-100mpx-progressive", "photo", "prog.jpg", jpeg_claiming(11_648, 8_736, progressive=True), None),
        ("png-25mpx-photo", "photo", "photo25.png", png_bytes(5_000, 5_000, bit_depth=8), None),  # under the limit: opens
        ("palette-chunk-deep", "labels", "deeppal.png",
         png_bytes(8, 8, bit_depth=8, chunks=[(b"iTXt", b"ganstudio.palette\x00\x00\x00\x00\x00" + b"[" * 50_000)]),
         r"ganstudio\.palette text chunk is nested too deeply"),
        ("eps-not-offered", "photo", "vector.png", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
         r"not in a format GAN Studio reads"),
    ]


CASES = _cases()

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, traceback
    sys.path.insert(0, sys.argv[1])
    from ganstudio.document.errors import DocumentError
    from ganstudio.document.image_io import read_label_map, read_photo
    from ganstudio.document.latent_io import read_latent_npz
    from ganstudio.document.project import load_project

    READERS = {
        "project": load_project,
        "latent": lambda p: read_latent_npz(p, 18, 512),
        "photo": read_photo,
        "labels": read_label_map,
    }
    def peak_kb():
        # Linux carries the parent's peak into ru_maxrss across fork+exec (the pytest process, torch
        # loaded, would hide everything below it); VmHWM is this process's own peak since exec.
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KB elsewhere

    jobs = json.loads(open(sys.argv[2]).read())
    for reader, path in jobs["warmup"]:
        READERS[reader](path)  # loads every library and code path once
    baseline = peak_kb()
    scale = 1024
    results = {}
    for case, reader, path in jobs["cases"]:
        start = time.perf_counter()
        try:
            READERS[reader](path)
            outcome = {"error": None, "message": "accepted"}
        except DocumentError as exc:
            outcome = {"error": type(exc).__name__, "message": str(exc)}
        except BaseException as exc:
            outcome = {"error": type(exc).__name__, "message": traceback.format_exc(limit=4)}
        outcome["seconds"] = time.perf_counter() - start
        outcome["peak_growth_mb"] = (peak_kb() - baseline) / scale
        results[case] = outcome
    print(json.dumps(results))
    """
)


def _warmup_files(folder: Path) -> list[tuple[str, str]]:
    project = small_project()
    project.style_codes = {"source0.image": np.zeros((24, 32, 3), np.uint8), "source0.labels": np.zeros((24, 32), np.uint8)}
    project.latents = {"favourite0.w": np.zeros((18, 512), np.float32)}
    (folder / "warm.gstudio").write_bytes(encode_project(project))
    write_latent_npz(folder / "warm.npz", np.zeros((1, 18, 512), np.float32))
    Image.new("RGB", (64, 48), (10, 20, 30)).save(folder / "warm.jpg")
    Image.new("RGB", (64, 48), (10, 20, 30)).save(folder / "warm.png")
    (folder / "warm_labels.png").write_bytes(encode_label_map(project.label_map))
    return [("project", str(folder / "warm.gstudio")), ("latent", str(folder / "warm.npz")), ("photo", str(folder / "warm.jpg")),
            ("photo", str(folder / "warm.png")), ("labels", str(folder / "warm_labels.png"))]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Write every hostile file, open them in two child processes (zip-based ones, images), collect the results."""
    folder = tmp_path_factory.mktemp("hostile")
    warmup = _warmup_files(folder)
    # files that open go to their own child: a peak is a running maximum, it would mask the rest
    batches: dict[str, list[tuple[str, str, str]]] = {"archives": [], "images": [], "accepted": []}
    for case, reader, name, data, pattern in CASES:
        (folder / name).write_bytes(data)
        batch = "accepted" if pattern is None else "images" if reader in ("photo", "labels") else "archives"
        batches[batch].append((case, reader, str(folder / name)))
    results: dict[str, dict[str, Any]] = {}
    for batch, jobs in batches.items():  # one child at a time, so that the timings are the files' own
        job_file = folder / f"{batch}.json"
        job_file.write_text(json.dumps({"warmup": warmup, "cases": jobs}))
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(REPO), str(job_file)],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        )
        assert child.returncode == 0, child.stderr[-3000:]
        results.update(json.loads(child.stdout.strip().splitlines()[-1]))
    return results


@pytest.mark.parametrize("case, reader, name, _data, pattern", CASES, ids=[c[0] for c in CASES])
def test_hostile_file_is_a_clear_error_in_bounded_time_and_memory(outcomes, case, reader, name, _data, pattern) -> None:  # type: ignore[no-untyped-def]
    result = outcomes[case]
    if pattern is None:
        assert result["error"] is None, result["message"]
    else:
        assert result["error"] == "FileReadError", result["message"]
        message = result["message"]
        assert message.startswith(f"{name}: "), message
        assert re.search(pattern, message), message
        assert "allow_pickle" not in message and "unsafe" not in message.lower() and "Traceback" not in message
    assert result["seconds"] < TIME_LIMIT_S, f"{case} took {result['seconds']:.2f} s"
    assert result["peak_growth_mb"] < MEMORY_LIMIT_MB, f"{case} grew the peak memory by {result['peak_growth_mb']:.0f} MB"


def test_the_worst_case_is_small(outcomes) -> None:  # type: ignore[no-untyped-def]
    """All the hostile files together: the figures quoted in the report of the fix."""
    for case, result in outcomes.items():
        print(f"{case:24s} {result['seconds']:7.3f} s {result['peak_growth_mb']:7.1f} MB  {result['message'][:90]}")
    worst_time = max(r["seconds"] for r in outcomes.values())
    worst_memory = max(r["peak_growth_mb"] for r in outcomes.values())
    print(f"\nworst case over {len(outcomes)} hostile files: {worst_time:.3f} s, peak memory growth {worst_memory:.0f} MB")
    assert worst_time < TIME_LIMIT_S and worst_memory < MEMORY_LIMIT_MB


# ---------------------------------------------------------------------------
# the bombs are real: the construction inflates to what it claims


def test_bomb_construction_is_a_valid_zip_that_inflates_fully() -> None:
    prefix = b"header:"
    data = raw_zip([bomb("m", prefix, 3), stored("s", b"plain")])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("m")  # checks the CRC too
        assert content == prefix + bytes(3 * MIB) and archive.read("s") == b"plain"
        assert archive.getinfo("m").compress_size < 4000
    assert crc32_combine(zlib.crc32(b"abc"), zlib.crc32(b"defgh"), 5) == zlib.crc32(b"abcdefgh")


def test_archive_comments_do_not_confuse_the_directory_check(tmp_path: Path) -> None:
    """The end record is found where zipfile finds it, also behind a comment."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in project_members(small_project()).items():
            archive.writestr(name, data)
        archive.comment = b"made elsewhere " * 1000
    (tmp_path / "commented.gstudio").write_bytes(buffer.getvalue())
    assert load_project(tmp_path / "commented.gstudio").label_map == small_project().label_map


# ---------------------------------------------------------------------------
# limits that open normal files, reduced where they can be


def test_large_jpeg_is_decoded_reduced_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """JPEGs over the photo limit decode at 1/2, 1/4 or 1/8 size (draft mode) instead of being refused."""
    Image.new("RGB", (2000, 1500), (200, 100, 50)).save(tmp_path / "big.jpg", quality=90)
    monkeypatch.setattr(limits, "MAX_PHOTO_PIXELS", 1_000_000)  # 3 Mpx is over: 1/2 size (0.75 Mpx) fits
    photo = read_photo(tmp_path / "big.jpg")
    assert photo.size == (1000, 750)
    assert any("decoded at 1/2 size, 1000x750: the image is 2000x1500 (3.0 megapixels)" in note for note in photo.notes)
    assert abs(int(photo.pixels[10, 10, 0]) - 200) < 8
    Image.new("RGB", (2000, 1500), (200, 100, 50)).save(tmp_path / "big.png")
    with pytest.raises(FileReadError, match=r"big\.png: the image is 2000x1500 \(3\.0 megapixels\); photos can be at most 1\.0"):
        read_photo(tmp_path / "big.png")  # no reduced decoding for PNG


def test_invalid_exif_orientation_is_ignored_with_a_true_note(tmp_path: Path) -> None:
    pixels = np.zeros((2, 4, 3), np.uint8)
    pixels[0, 0] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = 99
    Image.fromarray(pixels).save(tmp_path / "odd.png", exif=exif.tobytes())
    photo = read_photo(tmp_path / "odd.png")
    assert np.array_equal(photo.pixels, pixels)
    assert not any("rotated" in note for note in photo.notes)
    assert any("EXIF orientation (99) is not a valid value" in note for note in photo.notes)


def test_normal_files_still_open(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    labels = LabelMap(rng.integers(0, 3, size=(60, 80)), PALETTE)
    project = Project(
        label_map=labels,
        view={"zoom": 1.25, "overlay_opacity": 0.6, "split": True, "current_class": 2, "brush_size": 24},
        region_styles={"seed": 12, "sources": ["beach"], "regions": {"0": "beach"}, "default": None,
                       "blend": {"source": None, "amount": 0.0}},
        style_codes={"source0.image": rng.integers(0, 255, (60, 80, 3), dtype=np.uint8),
                     "source0.labels": labels.ids.copy(), "spade.image": rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)},
        latent_favourites=[{"name": "dusk", "settings": {"seed": 4, "psi": 0.7}, "w": "favourite0.w", "thumbnail": "favourite0.thumbnail"}],
        latents={"favourite0.w": rng.standard_normal((18, 512)).astype(np.float32),
                 "favourite0.thumbnail": rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)},
        layout={"scene_seed": 7, "boxes": [{"class": "sky", "x": 0.0, "y": 0.0, "w": 1.0, "h": 0.4, "seed": 3}]},
        workspace={"active": "painting"},
    )
    (tmp_path / "p.gstudio").write_bytes(encode_project(project))
    loaded = load_project(tmp_path / "p.gstudio")
    assert loaded.label_map == labels and loaded.region_styles == project.region_styles and loaded.layout == project.layout
    for key, value in {**project.style_codes, **project.latents}.items():
        merged = {**loaded.style_codes, **loaded.latents}
        assert merged[key].dtype == value.dtype and np.array_equal(merged[key], value)

    w = rng.standard_normal((1, 18, 512))
    np.savez_compressed(tmp_path / "f64.npz", w=w)  # float64, deflated
    np.testing.assert_allclose(read_latent_npz(tmp_path / "f64.npz", 18, 512), w.astype(np.float32))
    np.savez(tmp_path / "fortran.npz", w=np.asfortranarray(w[0].astype(">f4")))  # Fortran order, big-endian
    np.testing.assert_allclose(read_latent_npz(tmp_path / "fortran.npz", 18, 512), w.astype(np.float32), rtol=1e-6)

    Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(tmp_path / "photo.jpg")
    assert read_photo(tmp_path / "photo.jpg").size == (400, 300)
    (tmp_path / "labels.png").write_bytes(encode_label_map(labels))
    assert read_label_map(tmp_path / "labels.png", PALETTE).labelmap == labels
    # at the limits themselves: a 4096x4096 label map opens
    (tmp_path / "max.png").write_bytes(png_bytes(4096, 4096, bit_depth=8))
    assert read_label_map(tmp_path / "max.png").labelmap.ids.shape == (4096, 4096)


# ---------------------------------------------------------------------------
# 7: crash recovery with broken info


@pytest.mark.parametrize("info", [
    {"title": "T", "saved_at": "yesterday"},
    {"title": "T", "saved_at": [1, 2]},
    {"title": "T", "saved_at": True},
    {"title": ["T"], "saved_at": 1e999, "source_path": {"a": 1}},
    "[" * 5000,
    "x" * (limits.MAX_INFO_FILE_BYTES + 10),
    '{"title": "T", "saved_at": NaN}',
])
def test_broken_recovery_info_is_ignored(tmp_path: Path, info: Any) -> None:
    folder = tmp_path / "session-999999-00000000"
    folder.mkdir()
    (folder / "session.json").write_text(json.dumps({"pid": ["not", "a", "pid"]}))
    (folder / "doc.gstudio").write_bytes(encode_project(small_project()))
    (folder / "doc.json").write_text(info if isinstance(info, str) else json.dumps(info))
    mtime = (folder / "doc.gstudio").stat().st_mtime
    start = time.perf_counter()
    found = RecoveryStore(tmp_path).list_recoverable()
    assert time.perf_counter() - start < TIME_LIMIT_S
    assert [s.document_id for s in found] == ["doc"]
    assert found[0].saved_at == mtime  # the file's time stands in for a broken saved_at
    assert isinstance(found[0].title, str) and (found[0].source_path is None)
    assert RecoveryStore(tmp_path).recover(found[0]).label_map == small_project().label_map


def test_a_broken_snapshot_is_a_file_read_error(tmp_path: Path) -> None:
    folder = tmp_path / "session-999999-00000001"
    folder.mkdir()
    (folder / "doc.gstudio").write_bytes(project_with(state={"version": True}))
    found = RecoveryStore(tmp_path).list_recoverable()
    with pytest.raises(FileReadError, match=r"doc\.gstudio: unknown project format version"):
        RecoveryStore(tmp_path).recover(found[0])
