"""Direction sets on disk: named W-space directions that belong to one StyleGAN2 model, as `.npz`.

A set is what the Directions panel lists: for each direction a name, how it
was found (`kind`: sefa, ganspace or attribute), the unit vector [w_dim], the
ws range it applies to by default and its slider's +- range (15 for SeFa's
eigen-directions, 3 standard deviations for a GANSpace component, 3 standard
deviations of the samples' projections for an attribute boundary). The file
records the model's sha256 and its num_ws/w_dim, so a set made for another
model is recognised.

Arrays (all plain numbers or fixed-width unicode, so no reader ever needs
pickle): ``format`` (str), ``model_sha256`` (str), ``num_ws`` (int),
``names``, ``kinds`` (str [k]), ``vectors`` (float32 [k, w_dim]),
``first_ws``, ``last_ws`` (int [k]), ``slider`` (float [k]).

No torch here (numpy and the document layer only), so the app's view-models
can read and write sets on the UI thread, and the trainer can write them. The
directions themselves are found by `ganstudio.models.stylegan2_directions`
(SeFa, GANSpace, attribute boundaries) and applied by
`ganstudio.engine.directions.apply_directions`.

Reading treats the file as untrusted (issue 22): the zip is opened with the
document layer's `SafeZip` (member sizes and ratios checked before
inflating), each array's .npy header is parsed and its dtype and shape
checked against the limits below before its data is read, and every failure is
a `FileReadError` naming the file and the problem.
"""
from __future__ import annotations

import ast
import hashlib
import io
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .atomic import write_atomic
from .errors import FileReadError
from .safe_read import SafeZip


class _Factorization(Protocol):  # ganstudio.models.stylegan2_directions.Factorization
    directions: np.ndarray
    first_ws: int
    last_ws: int


class _Components(Protocol):  # ganstudio.models.stylegan2_directions.PrincipalComponents
    components: np.ndarray
    stds: np.ndarray


KINDS = ("sefa", "ganspace", "attribute")
SEFA_SLIDER = 15.0  # +- amount for SeFa's unit eigen-directions
PCA_SLIDER_STDS = 3.0  # +- this many standard deviations for GANSpace components
FORMAT = "ganstudio-directions/1"
MAX_DIRECTIONS = 4096
MAX_W_DIM = 4096
MAX_NUM_WS = 64
MAX_NAME_CHARS = 200
MAX_NPY_HEADER_BYTES = 10_000  # numpy writes a few hundred
MAX_MEMBERS_BYTES = 64 << 20  # the largest array we read: 4096 directions x 4096 floats


# ----------------------------------------------------------------------------- the set


@dataclass(frozen=True)
class Direction:
    """One named direction in W and how the panel offers it."""

    name: str
    kind: str  # one of KINDS
    vector: np.ndarray  # float32 [w_dim], unit length
    first_ws: int
    last_ws: int
    slider: float  # the slider spans -slider..+slider (W units along the unit vector)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a direction's kind is one of {KINDS}, got {self.kind!r}")
        vector = np.array(self.vector, dtype=np.float32, copy=True).reshape(-1)
        vector.flags.writeable = False
        object.__setattr__(self, "vector", vector)


@dataclass(frozen=True)
class DirectionSet:
    """Directions for one model (num_ws, w_dim, and the file's sha256 when known)."""

    directions: tuple[Direction, ...]
    num_ws: int
    w_dim: int
    model_sha256: str = ""
    source: str = field(default="", compare=False)  # the file it was read from, for messages

    def __post_init__(self) -> None:
        for direction in self.directions:
            if direction.vector.shape != (self.w_dim,):
                raise ValueError(f"direction {direction.name!r} has {direction.vector.size} values; the set's w_dim is {self.w_dim}")
            if not 0 <= direction.first_ws <= direction.last_ws < self.num_ws:
                raise ValueError(f"direction {direction.name!r} applies to ws {direction.first_ws}-{direction.last_ws}, "
                                 f"outside 0-{self.num_ws - 1}")

    def __len__(self) -> int:
        return len(self.directions)

    def names(self) -> list[str]:
        return [direction.name for direction in self.directions]

    def __getitem__(self, name: str) -> Direction:
        for direction in self.directions:
            if direction.name == name:
                return direction
        raise KeyError(name)

    def merged(self, other: DirectionSet) -> DirectionSet:
        """This set followed by `other`'s directions (same model)."""
        if (other.num_ws, other.w_dim) != (self.num_ws, self.w_dim):
            raise ValueError("the two direction sets belong to models of different shapes")
        return DirectionSet(self.directions + other.directions, self.num_ws, self.w_dim, self.model_sha256 or other.model_sha256)

    def matches(self, num_ws: int, w_dim: int, model_sha256: str = "") -> str:
        """"" when the set fits a model with this layout (and sha256, when both know it), else why not."""
        if (self.num_ws, self.w_dim) != (int(num_ws), int(w_dim)):
            return (f"these directions were made for a model with {self.num_ws} ws of {self.w_dim} values; "
                    f"the current model has {num_ws} of {w_dim}")
        if self.model_sha256 and model_sha256 and self.model_sha256 != model_sha256:
            return "these directions were made for another model file (its sha256 differs); they may not mean the same here"
        return ""


def sefa_directions(factorization: _Factorization, num_ws: int, count: int = 10, prefix: str = "SeFa") -> DirectionSet:
    """The first `count` SeFa directions, applied by default to the layers they were found on."""
    rows = factorization.directions[:count]
    span = f"ws {factorization.first_ws}-{factorization.last_ws}"
    directions = tuple(
        Direction(f"{prefix} {index + 1} ({span})", "sefa", vector, factorization.first_ws, factorization.last_ws, SEFA_SLIDER)
        for index, vector in enumerate(rows)
    )
    return DirectionSet(directions, num_ws, int(factorization.directions.shape[1]))


def pca_directions(components: _Components, num_ws: int, count: int = 10, prefix: str = "PC",
                   first_ws: int = 0, last_ws: int | None = None) -> DirectionSet:
    """The first `count` GANSpace components; sliders span +-3 standard deviations."""
    last = num_ws - 1 if last_ws is None else last_ws
    directions = tuple(
        Direction(f"{prefix} {index + 1}", "ganspace", vector, first_ws, last, float(PCA_SLIDER_STDS * std))
        for index, (vector, std) in enumerate(zip(components.components[:count], components.stds[:count]))
    )
    return DirectionSet(directions, num_ws, int(components.components.shape[1]))


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a (model) file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- writing


def encode_direction_set(directions: DirectionSet) -> bytes:
    """The .npz bytes of `directions` (uncompressed: a few hundred kB at most)."""
    k = len(directions)
    arrays = {
        "format": np.array(FORMAT),
        "model_sha256": np.array(directions.model_sha256),
        "num_ws": np.array(directions.num_ws, dtype=np.int64),
        "names": np.array([d.name for d in directions.directions], dtype=f"<U{max([1] + [len(d.name) for d in directions.directions])}"),
        "kinds": np.array([d.kind for d in directions.directions], dtype="<U9"),
        "vectors": np.stack([d.vector for d in directions.directions]) if k else np.zeros([0, directions.w_dim], np.float32),
        "first_ws": np.array([d.first_ws for d in directions.directions], dtype=np.int64),
        "last_ws": np.array([d.last_ws for d in directions.directions], dtype=np.int64),
        "slider": np.array([d.slider for d in directions.directions], dtype=np.float32),
    }
    for direction in directions.directions:
        if len(direction.name) > MAX_NAME_CHARS:
            raise ValueError(f"direction name {direction.name[:40]!r}... is longer than {MAX_NAME_CHARS} characters")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_direction_set(path: str | os.PathLike[str], directions: DirectionSet) -> Path:
    """Write atomically (a FileWriteError names the file on failure)."""
    return write_atomic(path, encode_direction_set(directions))


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ArraySpec:
    """What one member of an .npz may hold: dtype kinds ("f", "iu", "U"), dimensions, value count."""

    kinds: str
    ndim: int
    max_values: int
    max_itemsize: int = 8


def _npy_header(raw_magic: bytes, read: Any, name: str, label: str) -> tuple[np.dtype[Any], tuple[int, ...], bool]:
    if not raw_magic.startswith(b"\x93NUMPY") or raw_magic[6] not in (1, 2, 3):
        raise FileReadError(f"'{name}' is not a NumPy array (no .npy header)", path=label)
    size_bytes = 2 if raw_magic[6] == 1 else 4
    header_len = int.from_bytes(read(size_bytes), "little")
    if header_len > MAX_NPY_HEADER_BYTES:
        raise FileReadError(f"'{name}' has a {header_len}-byte header; a .npy header is a few hundred", path=label)
    try:
        # numpy writes a Python dict literal; literal_eval runs nothing
        fields = ast.literal_eval(bytes(read(header_len)).decode("latin1" if raw_magic[6] < 3 else "utf8"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError, TypeError):
        raise FileReadError(f"'{name}' has a damaged header", path=label) from None
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
        raise FileReadError(f"'{name}' has a damaged header", path=label)
    shape, fortran = fields["shape"], fields["fortran_order"]
    if not isinstance(shape, tuple) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise FileReadError(f"'{name}' has no valid shape in its header", path=label)
    if not isinstance(fortran, bool) or not isinstance(fields["descr"], str):
        # a list descr is a record type: never ours
        raise FileReadError(f"'{name}' holds records or objects; direction files hold plain numbers and text", path=label)
    try:
        dtype = np.dtype(fields["descr"])
    except Exception:  # numpy's errors for arbitrary type strings are not specified
        raise FileReadError(f"'{name}' holds values of an unknown type", path=label) from None
    return dtype, shape, fortran


def _describe(dtype: np.dtype[Any]) -> str:
    if dtype.hasobject:
        return "Python objects"
    return {"b": "true/false values", "f": "floats", "i": "integers", "u": "integers", "U": "text", "S": "bytes",
            "c": "complex numbers", "V": "raw records", "M": "dates", "m": "time spans"}.get(dtype.kind, f"{dtype} values")


def read_npz_arrays(path: str | os.PathLike[str], specs: Mapping[str, ArraySpec], what: str,
                    optional: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """The named arrays of an untrusted .npz, each checked against its spec before its data is read.

    Missing required names, unknown dtypes (objects, records, bytes...), too
    many dimensions or values: a FileReadError naming the file and the array.
    Members not in `specs` are ignored (never inflated).
    """
    label = os.fspath(path)
    optional = set(optional)
    out: dict[str, np.ndarray] = {}
    with SafeZip(path, label, what, not_zip=f"not a readable {what} (not an .npz archive)") as zipped:
        missing = [name for name in specs if f"{name}.npy" not in zipped and name not in optional]
        if missing:
            raise FileReadError(f"not a {what}: it has no {', '.join(repr(m) for m in missing)}", path=label)
        for name, spec in specs.items():
            member = f"{name}.npy"
            if member not in zipped:
                continue
            limit = MAX_NPY_HEADER_BYTES + 16 + spec.max_values * spec.max_itemsize
            with zipped.open_member(member, limit) as reader:
                def read(size: int, _reader: Any = reader, _name: str = name) -> bytearray:
                    return _reader.read_exact(size, what=f"'{_name}'")

                dtype, shape, fortran = _npy_header(bytes(read(8)), read, name, label)
                if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in spec.kinds:
                    wanted = " or ".join(dict.fromkeys(_describe(np.dtype(k + ("4" if k != "U" else "1"))) for k in spec.kinds))
                    raise FileReadError(f"'{name}' holds {_describe(dtype)}; it should hold {wanted}", path=label)
                if dtype.itemsize > spec.max_itemsize:
                    raise FileReadError(f"'{name}' has {dtype.itemsize}-byte values; at most {spec.max_itemsize} are accepted",
                                        path=label)
                if len(shape) != spec.ndim:
                    raise FileReadError(f"'{name}' has {len(shape)} dimensions {list(shape)}; it should have {spec.ndim}",
                                        path=label)
                values = math.prod(shape)
                if values > spec.max_values:
                    raise FileReadError(f"'{name}' declares shape {list(shape)} ({values} values); at most "
                                        f"{spec.max_values} are accepted", path=label)
                array = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
                reader.read_into(array, what=f"'{name}'")
                reader.expect_end()
            if fortran:
                array = array.T
            if not dtype.isnative:
                array = array.astype(dtype.newbyteorder("="))
            out[name] = array
    return out


def _text(array: np.ndarray, name: str, label: str) -> str:
    if array.ndim != 0:
        raise FileReadError(f"'{name}' should be a single text value", path=label)
    return str(array[()])


def _direction_specs() -> dict[str, ArraySpec]:
    k = MAX_DIRECTIONS
    return {
        "format": ArraySpec("U", 0, 1, 4 * 64),
        "model_sha256": ArraySpec("U", 0, 1, 4 * 64),
        "num_ws": ArraySpec("iu", 0, 1),
        "names": ArraySpec("U", 1, k, 4 * MAX_NAME_CHARS),
        "kinds": ArraySpec("U", 1, k, 4 * 16),
        "vectors": ArraySpec("f", 2, k * MAX_W_DIM),
        "first_ws": ArraySpec("iu", 1, k),
        "last_ws": ArraySpec("iu", 1, k),
        "slider": ArraySpec("f", 1, k),
    }


def read_direction_set(path: str | os.PathLike[str]) -> DirectionSet:
    """Read and check a direction-set file; FileReadError (naming the file and the problem) otherwise."""
    label = os.fspath(path)
    arrays = read_npz_arrays(path, _direction_specs(), "GAN Studio direction set", optional=("model_sha256",))
    fmt = _text(arrays["format"], "format", label)
    if fmt != FORMAT:
        raise FileReadError(f"is a direction set of format {fmt[:40]!r}; this version reads {FORMAT!r}", path=label)
    sha = _text(arrays["model_sha256"], "model_sha256", label) if "model_sha256" in arrays else ""
    vectors = arrays["vectors"]
    k, w_dim = vectors.shape
    if not 1 <= w_dim <= MAX_W_DIM:
        raise FileReadError(f"'vectors' has {w_dim} values per direction; a W space has 1-{MAX_W_DIM}", path=label)
    num_ws = int(arrays["num_ws"])
    if not 1 <= num_ws <= MAX_NUM_WS:
        raise FileReadError(f"'num_ws' is {num_ws}; a StyleGAN2 model has 1-{MAX_NUM_WS}", path=label)
    for name in ("names", "kinds", "first_ws", "last_ws", "slider"):
        if arrays[name].shape != (k,):
            raise FileReadError(f"'{name}' has {arrays[name].shape[0]} entries, but there are {k} vectors", path=label)
    if not (np.isfinite(vectors).all() and np.isfinite(arrays["slider"]).all()):
        raise FileReadError("the directions contain NaN or infinite values", path=label)
    norms = np.linalg.norm(vectors.astype(np.float64), axis=1)
    if k and (np.abs(norms - 1) > 1e-3).any():
        bad = int(np.argmax(np.abs(norms - 1)))
        raise FileReadError(f"direction {bad + 1} has length {norms[bad]:.4g}; directions are unit vectors", path=label)
    directions = []
    for index in range(k):
        name, kind = str(arrays["names"][index]), str(arrays["kinds"][index])
        first, last, slider = int(arrays["first_ws"][index]), int(arrays["last_ws"][index]), float(arrays["slider"][index])
        if kind not in KINDS:
            raise FileReadError(f"direction {index + 1} is of unknown kind {kind[:20]!r} (known: {', '.join(KINDS)})", path=label)
        if not 0 <= first <= last < num_ws:
            raise FileReadError(f"direction {index + 1} ({name[:40]!r}) applies to ws {first}-{last}, outside 0-{num_ws - 1}",
                                path=label)
        if not slider > 0:
            raise FileReadError(f"direction {index + 1} ({name[:40]!r}) has slider range {slider}; it must be positive",
                                path=label)
        directions.append(Direction(name, kind, vectors[index], first, last, slider))
    return DirectionSet(tuple(directions), num_ws, int(w_dim), sha, source=label)

