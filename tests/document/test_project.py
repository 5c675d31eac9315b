import io
import json
import zipfile

import numpy as np
import pytest

from ganstudio.document.errors import ClassIdOutOfRangeError, DocumentError, FileReadError
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import Palette
from ganstudio.document.project import (
    LABEL_MAP_FILE,
    STATE_FILE,
    ModelReference,
    Project,
    encode_project,
    load_project,
    save_project,
)


def full_project() -> Project:
    rng = np.random.default_rng(7)
    palette = Palette([("sky", (0, 0, 255)), ("grass", (0, 200, 0)), ("rock", (128, 128, 128))])
    return Project(
        label_map=LabelMap(rng.integers(0, 3, size=(40, 56)), palette),
        model=ModelReference(path="/models/landscapes.safetensors", arch="spade", sha256="ab" * 32),
        view={"zoom": 1.5, "pan": [10, -4], "workspace": "paint"},
        region_styles={"sky": {"source": "reference", "image": "ref1"}, "grass": {"source": "random", "seed": 3}},
        style_codes={"sky": rng.standard_normal(512).astype(np.float32), "all": rng.standard_normal((3, 8)).astype(np.float16)},
        latent_favourites=[{"name": "sunset", "latent": "fav0", "truncation": 0.7}],
        latents={"fav0": rng.standard_normal((1, 512)).astype(np.float32), "current_ws": rng.standard_normal((1, 14, 512)).astype(np.float32)},
        workspace={"attributes": {"photo": "/photos/me.jpg", "toggles": {"Blond_Hair": True}}},
    )


def assert_same(a: Project, b: Project) -> None:
    assert a.label_map == b.label_map and a.label_map.ids.dtype == b.label_map.ids.dtype
    assert a.model == b.model
    assert (a.view, a.region_styles, a.latent_favourites, a.workspace) == (b.view, b.region_styles, b.latent_favourites, b.workspace)
    for mine, theirs in ((a.style_codes, b.style_codes), (a.latents, b.latents)):
        assert mine.keys() == theirs.keys()
        for key in mine:
            assert mine[key].dtype == theirs[key].dtype and np.array_equal(mine[key], theirs[key])


def test_round_trip_is_exact(tmp_path):
    project = full_project()
    path = save_project(tmp_path / "scene.gstudio", project)
    assert_same(load_project(path), project)
    with zipfile.ZipFile(path) as archive:
        assert {STATE_FILE, LABEL_MAP_FILE, "styles.safetensors", "latents.safetensors"} <= set(archive.namelist())


def test_empty_and_uint16_projects(tmp_path):
    empty = load_project(save_project(tmp_path / "e.gstudio", Project()))
    assert empty.label_map is None and empty.model is None and empty.latents == {}
    big = Project(label_map=LabelMap(np.arange(20 * 30).reshape(20, 30) % 400, Palette.generic(400)))
    assert_same(load_project(io.BytesIO(encode_project(big))), big)


def test_unserialisable_state_is_refused_before_writing(tmp_path):
    with pytest.raises(DocumentError, match="JSON"):
        save_project(tmp_path / "x.gstudio", Project(view={"bad": object()}))
    with pytest.raises(DocumentError, match="dtype"):
        save_project(tmp_path / "x.gstudio", Project(latents={"s": np.array(["a"])}))
    assert not (tmp_path / "x.gstudio").exists()


def rezip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name in replace:
                if replace[name] is not None:
                    dst.writestr(name, replace[name])
            else:
                dst.writestr(name, src.read(name))
    return out.getvalue()


def state_with(data: bytes, **changes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        state = json.loads(archive.read(STATE_FILE))
    state.update(changes)
    return json.dumps(state).encode()


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda d: b"plain text", "not a readable zip"),
        (lambda d: d[: len(d) // 2], "zip|damaged"),
        (lambda d: rezip(d, {STATE_FILE: None}), "project.json is missing"),
        (lambda d: rezip(d, {STATE_FILE: b"{oops"}), "not valid JSON"),
        (lambda d: rezip(d, {STATE_FILE: state_with(d, format="something-else")}), "not a GAN Studio project"),
        (lambda d: rezip(d, {STATE_FILE: state_with(d, version=99)}), "newer GAN Studio"),
        (lambda d: rezip(d, {STATE_FILE: state_with(d, view=[1, 2])}), "'view'"),
        (lambda d: rezip(d, {LABEL_MAP_FILE: b"\x89PNG junk"}), "label map is unreadable"),
        (lambda d: rezip(d, {LABEL_MAP_FILE: None}), "missing"),
        (lambda d: rezip(d, {"latents.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{bad}xxx"}), "latents.safetensors is corrupt"),
    ],
)
def test_corrupt_files_raise_clear_errors(tmp_path, corrupt, message):
    path = tmp_path / "broken.gstudio"
    path.write_bytes(corrupt(encode_project(full_project())))
    with pytest.raises(FileReadError, match=message) as info:
        load_project(path)
    assert "broken.gstudio" in str(info.value)


def test_label_map_ids_outside_the_stored_palette(tmp_path):
    data = encode_project(full_project())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        state = json.loads(archive.read(STATE_FILE))
    state["label_map"]["palette"] = state["label_map"]["palette"][:2]  # class 2 no longer exists
    path = tmp_path / "ids.gstudio"
    path.write_bytes(rezip(data, {STATE_FILE: json.dumps(state).encode()}))
    with pytest.raises(ClassIdOutOfRangeError, match="ids.gstudio") as info:
        load_project(path)
    assert info.value.ids == [2]


def test_missing_project_file(tmp_path):
    with pytest.raises(FileReadError, match="file not found"):
        load_project(tmp_path / "gone.gstudio")
