"""The OASIS noise state in project files: exact round trip, old files without it, hostile values refused by name."""
from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
import pytest

from ganstudio.document.errors import FileReadError
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.oasis_noise import MAX_REROLLS, MAX_SEED, NoiseState, Reroll
from ganstudio.document.palette import Palette
from ganstudio.document.project import STATE_FILE, STYLES_FILE, Project, encode_project, load_project, save_project


def noisy_state() -> NoiseState:
    mask = np.zeros((30, 40), bool)
    mask[5:12, 3:20] = True
    return NoiseState(123456789).with_reroll(Reroll(7, class_id=2)).with_reroll(Reroll(2**40, mask=mask)).with_reroll(Reroll(9, class_id=1))


def project_with(state: NoiseState) -> Project:
    noise, arrays = state.to_json()
    labels = np.zeros((30, 40), np.uint8)
    labels[10:] = 1
    return Project(label_map=LabelMap(labels, Palette.generic(3)), region_styles={"seed": 4, "noise": noise}, style_codes=arrays)


def reopened(state: NoiseState, tmp_path) -> NoiseState:  # type: ignore[no-untyped-def]
    loaded = load_project(save_project(tmp_path / "noise.gstudio", project_with(state)))
    return NoiseState.from_json(loaded.region_styles.get("noise"), loaded.style_codes)


def test_noise_state_round_trips_exactly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    state = noisy_state()
    back = reopened(state, tmp_path)
    assert back == state and back.key == state.key
    assert [r.class_id for r in back.rerolls] == [2, None, 1]
    assert np.array_equal(back.rerolls[1].mask, state.rerolls[1].mask) and back.rerolls[1].mask.dtype == bool
    assert reopened(NoiseState(), tmp_path) == NoiseState()


def test_a_later_reroll_of_the_same_class_replaces_the_earlier_one() -> None:
    state = NoiseState(1).with_reroll(Reroll(2, class_id=3)).with_reroll(Reroll(3, class_id=4)).with_reroll(Reroll(5, class_id=3))
    assert [(r.seed, r.class_id) for r in state.rerolls] == [(3, 4), (5, 3)]


def test_old_projects_without_noise_open_with_the_default_noise(tmp_path) -> None:  # type: ignore[no-untyped-def]
    old = Project(label_map=LabelMap(np.zeros((8, 8), np.uint8), Palette.generic(2)), region_styles={"seed": 3, "sources": []})
    loaded = load_project(save_project(tmp_path / "old.gstudio", old))
    assert "noise" not in loaded.region_styles
    assert NoiseState.from_json(loaded.region_styles.get("noise"), loaded.style_codes) == NoiseState()


def with_noise(noise: object, arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """A project whose region_styles.noise is `noise` as given (not checked on the way out)."""
    project = project_with(NoiseState())
    project.region_styles = {"noise": noise}
    project.style_codes = arrays or {}
    return encode_project(project)


@pytest.mark.parametrize(
    "noise, message",
    [
        ([1, 2], "'region_styles.noise' .* an object"),
        ({"seed": True}, "'region_styles.noise.seed' .* whole number"),
        ({"seed": -1}, r"outside 0\.\."),
        ({"seed": MAX_SEED + 1}, r"outside 0\.\."),
        ({"seed": 1.5}, "whole number"),
        ({"rerolls": {"0": {}}}, "'region_styles.noise.rerolls' .* a list"),
        ({"rerolls": [{"seed": 1, "class_id": 1}] * (MAX_REROLLS + 1)}, f"at most {MAX_REROLLS}"),
        ({"rerolls": ["x"]}, r"rerolls\[0\]' .* an object"),
        ({"rerolls": [{"class_id": 1}]}, r"rerolls\[0\]\.seed"),
        ({"rerolls": [{"seed": 1}]}, "either a class_id or a mask"),
        ({"rerolls": [{"seed": 1, "class_id": 1, "mask": "noise.reroll0.mask"}]}, "either a class_id or a mask"),
        ({"rerolls": [{"seed": 1, "class_id": 70000}]}, r"class_id' .* outside 0\.\.65535"),
        ({"rerolls": [{"seed": 1, "class_id": None}]}, "class_id' .* whole number"),
        ({"rerolls": [{"seed": 1, "mask": 3}]}, r"mask' .* a string"),
        ({"rerolls": [{"seed": 1, "mask": "../../etc/passwd"}]}, "not a mask array's name"),
        ({"rerolls": [{"seed": 1, "mask": "noise.reroll0.mask" + "x" * 10_000}]}, "not a mask array's name"),
    ],
)
def test_hostile_noise_fields_are_refused_by_name(tmp_path, noise, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hostile.gstudio"
    path.write_bytes(with_noise(noise))
    with pytest.raises(FileReadError, match=message) as info:
        load_project(path)
    assert "hostile.gstudio" in str(info.value)


@pytest.mark.parametrize(
    "array, message",
    [
        (np.ones((4, 4), np.float32), "re-roll mask"),
        (np.ones((4, 4, 3), np.uint8), "re-roll mask"),
        (np.ones((4,), np.uint16), "re-roll mask"),
    ],
)
def test_mask_arrays_of_the_wrong_kind_are_refused(tmp_path, array, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mask.gstudio"
    path.write_bytes(with_noise({"seed": 1, "rerolls": [{"seed": 2, "mask": "noise.reroll0.mask"}]}, {"noise.reroll0.mask": array}))
    with pytest.raises(FileReadError, match=message):
        load_project(path)


def test_a_mask_claiming_a_huge_size_is_refused_from_its_header(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a safetensors header that says 100000 x 100000 over 16 bytes of data: refused before anything is allocated
    header = json.dumps({"noise.reroll0.mask": {"dtype": "U8", "shape": [100_000, 100_000], "data_offsets": [0, 16]}}).encode()
    styles = struct.pack("<Q", len(header)) + header + bytes(16)
    data = with_noise({"seed": 1, "rerolls": [{"seed": 2, "mask": "noise.reroll0.mask"}]})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr(STYLES_FILE, styles)
    path = tmp_path / "huge.gstudio"
    path.write_bytes(out.getvalue())
    with pytest.raises(FileReadError, match="huge.gstudio"):
        load_project(path)


def test_a_missing_mask_array_skips_that_reroll_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "lost.gstudio"
    path.write_bytes(with_noise({"seed": 5, "rerolls": [{"seed": 2, "mask": "noise.reroll0.mask"}, {"seed": 3, "class_id": 1}]}))
    loaded = load_project(path)
    state = NoiseState.from_json(loaded.region_styles["noise"], loaded.style_codes)
    assert state == NoiseState(5, (Reroll(3, class_id=1),))


def test_state_json_names_the_masks_it_stores() -> None:
    noise, arrays = noisy_state().to_json()
    assert noise["rerolls"][1] == {"seed": 2**40, "mask": "noise.reroll1.mask"}
    assert set(arrays) == {"noise.reroll1.mask"} and arrays["noise.reroll1.mask"].dtype == np.uint8
    json.dumps(noise)  # plain JSON
    assert STATE_FILE == "project.json"
