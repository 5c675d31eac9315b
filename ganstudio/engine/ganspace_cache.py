"""GANSpace results cached on disk, per model file, sample count and seed.

PCA over 20 000 mapped ws takes seconds on a CPU; the result is a few hundred
kB. It is kept in the user cache folder (platformdirs, like the other caches)
as ``ganspace-<key>.npz``, where the key hashes the model file's identity
(resolved path, size, modification time), the sample count, the seed and the
cache version. A cache file is never trusted: it is read with the same checks
as any untrusted .npz (`direction_sets.read_npz_arrays`), its recorded key,
dtypes and shapes must match, its values must be finite, and anything wrong
(corrupt, truncated, another model's, an older layout) is recomputed and
rewritten rather than reported.
"""
from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ganstudio.document.atomic import write_atomic
from ganstudio.document.direction_sets import MAX_W_DIM, ArraySpec, read_npz_arrays
from ganstudio.document.errors import DocumentError

from .directions import PrincipalComponents, ganspace

CACHE_VERSION = 1


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("ganstudio", appauthor=False)) / "directions"


def cache_key(model_path: str | os.PathLike[str], samples: int, seed: int) -> str:
    """A hex key of the model file's identity (path, size, mtime), the sample count and the seed."""
    stat = os.stat(model_path)
    identity = f"{CACHE_VERSION}|{os.path.realpath(model_path)}|{stat.st_size}|{stat.st_mtime_ns}|{int(samples)}|{int(seed)}"
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def _specs(w_dim_limit: int = MAX_W_DIM) -> dict[str, ArraySpec]:
    return {
        "key": ArraySpec("U", 0, 1, 4 * 64),
        "components": ArraySpec("f", 2, w_dim_limit * w_dim_limit, 4),
        "stds": ArraySpec("f", 1, w_dim_limit, 4),
        "mean": ArraySpec("f", 1, w_dim_limit, 4),
    }


def load_cached(path: Path, key: str, w_dim: int, samples: int, seed: int) -> PrincipalComponents | None:
    """The cached result at `path` if it is intact and for `key` and `w_dim`; None otherwise."""
    if not path.is_file():
        return None
    try:
        arrays = read_npz_arrays(path, _specs(), "GANSpace cache")
    except DocumentError:
        return None
    components, stds, mean = arrays["components"], arrays["stds"], arrays["mean"]
    if str(arrays["key"][()]) != key or components.shape != (w_dim, w_dim) or stds.shape != (w_dim,) or mean.shape != (w_dim,):
        return None
    if not (np.isfinite(components).all() and np.isfinite(stds).all() and np.isfinite(mean).all()) or (stds < 0).any():
        return None
    return PrincipalComponents(components.astype(np.float32), stds.astype(np.float32), mean.astype(np.float32),
                               int(samples), int(seed))


def store(path: Path, key: str, result: PrincipalComponents) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, key=np.array(key), components=result.components.astype(np.float32),
             stds=result.stds.astype(np.float32), mean=result.mean.astype(np.float32))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buffer.getvalue())


def cached_ganspace(generator: torch.nn.Module, model_path: str | os.PathLike[str], samples: int = 20_000, seed: int = 0,
                    cache_dir: str | os.PathLike[str] | None = None, device: torch.device | str = "cpu",
                    progress: Callable[[int, int], None] | None = None) -> PrincipalComponents:
    """GANSpace of the model in `model_path` (whose network is `generator`), from the cache when it is valid.

    All w_dim components are kept (the panel shows the first few). A cache that
    cannot be written (read-only folder) is not an error: the result is still returned.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = cache_key(model_path, samples, seed)
    path = folder / f"ganspace-{key}.npz"
    w_dim = int(generator.w_dim)
    found = load_cached(path, key, w_dim, samples, seed)
    if found is not None:
        return found
    result = ganspace(generator, samples=samples, seed=seed, device=device, progress=progress)
    try:
        store(path, key, result)
    except (DocumentError, OSError):
        pass  # a cache we cannot write only costs time next run
    return result
