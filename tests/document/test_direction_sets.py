"""Direction-set files: round trip, builders from SeFa/GANSpace, and hostile files refused in our words."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from stylegan_models import tiny_stylegan2

from ganstudio.document.direction_sets import (
    FORMAT,
    Direction,
    DirectionSet,
    encode_direction_set,
    pca_directions,
    read_direction_set,
    sefa_directions,
    write_direction_set,
)
from ganstudio.document.errors import FileReadError
from ganstudio.models import stylegan2_directions as D


def unit(rng: np.random.Generator, dim: int) -> np.ndarray:
    v = rng.normal(size=dim)
    return (v / np.linalg.norm(v)).astype(np.float32)


def make_set() -> DirectionSet:
    rng = np.random.default_rng(0)
    return DirectionSet((
        Direction("snow", "attribute", unit(rng, 16), 0, 9, 4.5),
        Direction("SeFa 1 (ws 0-1)", "sefa", unit(rng, 16), 0, 1, 15.0),
        Direction("PC 1 ☃", "ganspace", unit(rng, 16), 2, 5, 7.25),
    ), num_ws=10, w_dim=16, model_sha256="ab" * 32)


@pytest.fixture
def good_set() -> DirectionSet:
    return make_set()


def arrays_of(directions: DirectionSet) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(encode_direction_set(directions)), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def write_npz(path: Path, arrays: dict[str, np.ndarray], allow_pickle: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=allow_pickle)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    return path


def test_round_trip(good_set: DirectionSet, tmp_path: Path) -> None:
    path = write_direction_set(tmp_path / "set.npz", good_set)
    back = read_direction_set(path)
    assert back.names() == good_set.names()
    assert (back.num_ws, back.w_dim, back.model_sha256) == (10, 16, "ab" * 32)
    for a, b in zip(back.directions, good_set.directions):
        np.testing.assert_array_equal(a.vector, b.vector)
        assert (a.kind, a.first_ws, a.last_ws, a.slider) == (b.kind, b.first_ws, b.last_ws, b.slider)
    assert back["snow"].kind == "attribute"
    assert back.matches(10, 16, "ab" * 32) == ""
    assert "10 ws of 16" in back.matches(12, 16)
    assert "another model" in back.matches(10, 16, "cd" * 32)
    with np.load(path, allow_pickle=False) as data:  # plain numpy reads it too: nothing pickled
        assert str(data["format"]) == FORMAT


def test_builders_from_sefa_and_ganspace() -> None:
    gen = tiny_stylegan2(seed=1).eval()
    sefa = sefa_directions(D.sefa(gen, "middle"), gen.num_ws, count=5)
    assert len(sefa) == 5 and {d.kind for d in sefa.directions} == {"sefa"}
    assert all((d.first_ws, d.last_ws, d.slider) == (2, 5, 15.0) for d in sefa.directions)
    components = D.ganspace(gen, samples=200)
    pcs = pca_directions(components, gen.num_ws, count=3)
    assert [d.slider for d in pcs.directions] == pytest.approx([3 * s for s in components.stds[:3]])
    assert all((d.first_ws, d.last_ws) == (0, gen.num_ws - 1) for d in pcs.directions)
    both = sefa.merged(pcs)
    assert len(both) == 8


def test_a_set_must_fit_its_own_shape() -> None:
    with pytest.raises(ValueError, match="w_dim is 8"):
        DirectionSet((Direction("a", "sefa", np.ones(4) / 2, 0, 1, 1.0),), num_ws=4, w_dim=8)
    with pytest.raises(ValueError, match="outside 0-3"):
        DirectionSet((Direction("a", "sefa", np.ones(4) / 2, 0, 4, 1.0),), num_ws=4, w_dim=4)
    with pytest.raises(ValueError, match="kind"):
        Direction("a", "magic", np.ones(4) / 2, 0, 1, 1.0)


def _hostile(good: dict[str, np.ndarray]) -> dict[str, tuple[dict[str, np.ndarray], str, bool]]:
    def changed(**updates: object) -> dict[str, np.ndarray]:
        arrays = dict(good)
        for key, value in updates.items():
            if value is None:
                del arrays[key]
            else:
                arrays[key] = value  # type: ignore[assignment]
        return arrays

    k = len(good["names"])
    return {  # name: (arrays, message pattern, needs pickle to write)
        "missing vectors": (changed(vectors=None), "has no 'vectors'", False),
        "missing names and kinds": (changed(names=None, kinds=None), "has no 'names', 'kinds'", False),
        "integer vectors": (changed(vectors=good["vectors"].astype(np.int32)), "'vectors' holds integers; it should hold floats", False),
        "complex vectors": (changed(vectors=good["vectors"].astype(np.complex64)), "complex", False),
        "object names": (changed(names=np.array(list(good["names"]), dtype=object)), "Python objects", True),
        "record vectors": (changed(vectors=np.zeros(k, dtype=[("a", "f4"), ("b", "f4")])), "records or objects", False),
        "bytes names": (changed(names=np.array([b"a", b"b", b"c"])), "'names' holds bytes", False),
        "3-D vectors": (changed(vectors=good["vectors"][None]), "3 dimensions", False),
        "short slider": (changed(slider=good["slider"][:1]), "'slider' has 1 entries, but there are 3 vectors", False),
        "nan vector": (changed(vectors=np.full_like(good["vectors"], np.nan)), "NaN", False),
        "not unit": (changed(vectors=good["vectors"] * 2), "length 2; directions are unit", False),
        "range past the end": (changed(last_ws=np.array([0, 1, 10])), r"ws 2-10, outside 0-9", False),
        "negative slider": (changed(slider=-good["slider"]), "slider range", False),
        "unknown kind": (changed(kinds=np.array(["sefa", "sefa", "voodoo"])), "unknown kind 'voodoo'", False),
        "other format": (changed(format=np.array("something/9")), "format 'something/9'", False),
        "silly num_ws": (changed(num_ws=np.array(10**9)), "'num_ws' is 1000000000", False),
        "text num_ws": (changed(num_ws=np.array("ten")), "'num_ws' holds text", False),
        "huge name": (changed(names=np.array(["x" * 300] * 3)), "1200-byte values", False),
    }


@pytest.mark.parametrize("case", list(_hostile(arrays_of(make_set()))))
def test_hostile_files_are_refused_in_our_words(case: str, good_set: DirectionSet, tmp_path: Path) -> None:
    arrays, pattern, pickled = _hostile(arrays_of(good_set))[case]
    path = write_npz(tmp_path / "bad.npz", arrays, allow_pickle=pickled)
    with pytest.raises(FileReadError, match=pattern) as info:
        read_direction_set(path)
    assert str(info.value).startswith("bad.npz: ")


def _forged_npy(descr: str, shape: tuple[int, ...], payload: bytes = b"\0" * 64) -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + payload


def test_huge_declared_shapes_and_bombs_are_refused_before_reading(good_set: DirectionSet, tmp_path: Path) -> None:
    good = arrays_of(good_set)
    path = write_npz(tmp_path / "forged.npz", {k: v for k, v in good.items() if k != "vectors"})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("vectors.npy", _forged_npy("<f4", (1_000_000, 4096)))
    with pytest.raises(FileReadError, match=r"declares shape \[1000000, 4096\]"):
        read_direction_set(path)

    path = write_npz(tmp_path / "short.npz", {k: v for k, v in good.items() if k != "vectors"})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("vectors.npy", _forged_npy("<f4", (3, 16)))  # claims 192 bytes, holds 64
    with pytest.raises(FileReadError, match="claims more data|cut short"):
        read_direction_set(path)

    path = write_npz(tmp_path / "header.npz", {k: v for k, v in good.items() if k != "vectors"})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("vectors.npy", b"\x93NUMPY\x01\x00" + (60000).to_bytes(2, "little") + b"{" * 60000)
    with pytest.raises(FileReadError, match="60000-byte header"):
        read_direction_set(path)

    path = write_npz(tmp_path / "bomb.npz", {k: v for k, v in good.items() if k != "vectors"})
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vectors.npy", _forged_npy("<f4", (4096, 4096), b"\0" * (80 << 20)))
    with pytest.raises(FileReadError, match="inflate"):
        read_direction_set(path)


@pytest.mark.parametrize("content, pattern", [
    (b"", "not a readable GAN Studio direction set"),
    (b"PK\x03\x04 truncated", "not a readable GAN Studio direction set"),
    (b"\x93NUMPY\x01\x00", "not a readable GAN Studio direction set"),
])
def test_not_an_npz(content: bytes, pattern: str, tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(FileReadError, match=pattern):
        read_direction_set(path)
    with pytest.raises(FileReadError, match="not found"):
        read_direction_set(tmp_path / "missing.npz")
