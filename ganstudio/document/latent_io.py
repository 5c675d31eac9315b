"""Latent files and animations of the StyleGAN latent explorer.

`.npz` latents use the layout NVIDIA's projector writes: an array ``w`` of
shape [1, num_ws, w_dim] (float32). We add a few small arrays of our own
(``seed``, ``psi``) only when known; readers of the official layout ignore
them. GIFs are written with Pillow, atomically. Reading treats the file as
untrusted (limits in `limits.py`): only ``w.npy`` is inflated, after its
declared size and its header's dtype and shape are checked, and nothing is
ever unpickled.
"""
from __future__ import annotations

import ast
import io
import math
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from PIL import Image

from . import limits
from .atomic import write_atomic
from .errors import DocumentError, FileReadError
from .safe_read import CountingReader, SafeZip


def encode_latent_npz(w: np.ndarray, extra: Mapping[str, Any] | None = None) -> bytes:
    """The bytes of an .npz holding `w` as [1, num_ws, w_dim] float32 (+ numeric `extra` arrays)."""
    w = np.asarray(w, dtype=np.float32)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3 or w.shape[0] != 1:
        raise DocumentError(f"a latent to save must have shape [1, num_ws, w_dim], got {tuple(w.shape)}")
    arrays: dict[str, np.ndarray] = {"w": w}
    for key, value in (extra or {}).items():
        if value is None or key == "w":
            continue
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise DocumentError(f"latent extra {key!r} has dtype {array.dtype}; only numbers can be saved")
        arrays[str(key)] = array
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_latent_npz(path: str | os.PathLike[str], w: np.ndarray, extra: Mapping[str, Any] | None = None) -> Path:
    return write_atomic(path, encode_latent_npz(w, extra))


_NPY_MAGIC = b"\x93NUMPY"


def _sniff(path: str | os.PathLike[str], label: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(8)
    except FileNotFoundError:
        raise FileReadError("file not found", path=label) from None
    except IsADirectoryError:
        raise FileReadError("is a folder, not a latent file", path=label) from None
    except OSError as exc:
        raise FileReadError(f"cannot be read ({exc.strerror or exc})", path=label) from None


def _read_npy_header(reader: CountingReader, label: str) -> tuple[np.dtype[Any], tuple[int, ...], bool]:
    """(dtype, shape, fortran order) of w.npy, read before any of its data."""
    magic = reader.read_exact(8, what="w.npy's header")
    if not magic.startswith(_NPY_MAGIC) or magic[6] not in (1, 2, 3):
        raise FileReadError("'w' is not a NumPy array (w.npy has no .npy header)", path=label)
    size_bytes = 2 if magic[6] == 1 else 4
    header_len = int.from_bytes(reader.read_exact(size_bytes, what="w.npy's header"), "little")
    if header_len > limits.MAX_NPY_HEADER_BYTES:
        raise FileReadError(f"w.npy's header claims {header_len} bytes; a .npy header is a few hundred", path=label)
    raw = reader.read_exact(header_len, what="w.npy's header")
    try:
        # a Python dict literal, as numpy writes it; literal_eval executes nothing
        text = raw.decode("latin1" if magic[6] < 3 else "utf8")
        fields = ast.literal_eval(text)
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        raise FileReadError("w.npy's header is damaged", path=label) from None
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
        raise FileReadError("w.npy's header is damaged", path=label)
    shape, fortran = fields["shape"], fields["fortran_order"]
    if not isinstance(shape, tuple) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise FileReadError("w.npy's header has no valid shape", path=label)
    if not isinstance(fortran, bool):
        raise FileReadError("w.npy's header is damaged", path=label)
    descr = fields["descr"]
    try:
        dtype = np.lib.format.descr_to_dtype(descr)
    except Exception:  # numpy's errors for arbitrary descriptions are not specified
        raise FileReadError("'w' holds values of an unknown type", path=label) from None
    return dtype, shape, fortran


def _describe_dtype(dtype: np.dtype[Any]) -> str:
    if dtype.hasobject:
        return "Python objects"
    if dtype.fields is not None:
        return "records"
    if dtype.kind == "b":
        return "true/false values"
    return f"{dtype} values"


def read_latent_npz(path: str | os.PathLike[str], num_ws: int | None = None, w_dim: int | None = None) -> np.ndarray:
    """The ``w`` array of an .npz as float32 [1, num_ws, w_dim], checked against the model's shape.

    Raises FileReadError naming the file and, for a wrong shape, what the
    current model needs. The file is untrusted: w.npy's declared size and its
    header's dtype and shape are checked before its data is inflated.
    """
    label = os.fspath(path)
    if _sniff(path, label).startswith(_NPY_MAGIC):
        raise FileReadError(
            "this is a single NumPy array (.npy), not an .npz archive; a latent file holds an array named 'w'", path=label
        )
    with SafeZip(path, label, ".npz latent", not_zip="not a readable .npz latent (not a zip archive)") as zipped:
        if "w.npy" not in zipped:
            found = ", ".join((n[:-4] if n.endswith(".npy") else n)[:40] for n in zipped.names()[:8]) or "nothing"
            raise FileReadError(f"no array named 'w' in it (found {found}); expected w of shape [1, num_ws, w_dim]", path=label)
        # header + the largest w we accept, as float64
        limit = limits.MAX_NPY_HEADER_BYTES + 16 + limits.MAX_LATENT_VALUES * 8
        with zipped.open_member("w.npy", limit) as reader:
            dtype, shape, fortran = _read_npy_header(reader, label)
            if dtype.kind != "f" or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize > 8:
                raise FileReadError(f"'w' holds {_describe_dtype(dtype)}; a latent holds floats", path=label)
            values = math.prod(shape)
            if values > limits.MAX_LATENT_VALUES:
                raise FileReadError(
                    f"'w' declares shape {list(shape)} ({values} values); a latent holds at most {limits.MAX_LATENT_VALUES}",
                    path=label,
                )
            w = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
            reader.read_into(w, what="'w'")
            reader.expect_end()
        if fortran:
            w = w.T
        if not dtype.isnative:
            w = w.astype(dtype.newbyteorder("="))
    if w.ndim == 2:
        w = w[None]
    wanted = (1, num_ws if num_ws is not None else w.shape[1] if w.ndim == 3 else -1,
              w_dim if w_dim is not None else w.shape[2] if w.ndim == 3 else -1)
    if w.ndim != 3 or tuple(w.shape) != wanted:
        raise FileReadError(
            f"'w' has shape {list(w.shape)}, but the current model needs [1, {wanted[1]}, {wanted[2]}] "
            f"(1 x num_ws x w_dim); it was probably made with another model",
            path=label,
        )
    if not np.isfinite(w).all():
        raise FileReadError("'w' contains NaN or infinite values", path=label)
    return np.ascontiguousarray(w, dtype=np.float32)


def encode_gif(frames: Sequence[np.ndarray], frame_ms: int = 60, loop: bool = True) -> bytes:
    """An animated GIF of (H, W, 3) uint8 frames (adaptive palette per frame)."""
    if not frames:
        raise DocumentError("an animation needs at least one frame")
    images = []
    for frame in frames:
        frame = np.asarray(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise DocumentError(f"animation frames must be (H, W, 3) uint8, got {frame.dtype} {frame.shape}")
        images.append(Image.fromarray(frame).quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
    buffer = io.BytesIO()
    options: dict[str, Any] = {"save_all": True, "append_images": images[1:], "duration": max(10, int(frame_ms)), "disposal": 1}
    if loop:
        options["loop"] = 0  # forever
    images[0].save(buffer, format="GIF", **options)
    return buffer.getvalue()


def write_gif(path: str | os.PathLike[str], frames: Sequence[np.ndarray], frame_ms: int = 60, loop: bool = True) -> Path:
    return write_atomic(path, encode_gif(frames, frame_ms, loop))
