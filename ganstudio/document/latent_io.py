"""Latent files and animations of the StyleGAN latent explorer.

`.npz` latents use the layout NVIDIA's projector writes: an array ``w`` of
shape [1, num_ws, w_dim] (float32). We add a few small arrays of our own
(``seed``, ``psi``) only when known; readers of the official layout ignore
them. GIFs are written with Pillow, atomically.
"""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from PIL import Image

from .atomic import write_atomic
from .errors import DocumentError, FileReadError


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


def read_latent_npz(path: str | os.PathLike[str], num_ws: int | None = None, w_dim: int | None = None) -> np.ndarray:
    """The ``w`` array of an .npz as float32 [1, num_ws, w_dim], checked against the model's shape.

    Raises FileReadError naming the file and, for a wrong shape, what the
    current model needs.
    """
    label = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if "w" not in data.files:
                found = ", ".join(data.files) or "nothing"
                raise FileReadError(f"no array named 'w' in it (found {found}); expected w of shape [1, num_ws, w_dim]", path=label)
            w = np.array(data["w"])
    except FileNotFoundError:
        raise FileReadError("file not found", path=label) from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise FileReadError(f"not a readable .npz latent ({exc})", path=label) from None
    if w.dtype.kind != "f":
        raise FileReadError(f"'w' holds {w.dtype} values; a latent holds floats", path=label)
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
    return w.astype(np.float32)


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
