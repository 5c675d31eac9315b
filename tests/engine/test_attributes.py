"""StarGAN attribute targets (hair colours exclusive, strengths) and the attribute session."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.document.image_io import read_photo
from ganstudio.engine.attributes import AttributeFolderJob, AttributeJob, exclusive_groups, target_labels
from ganstudio.engine.runner import JobRunner
from translation_models import CELEBA_ATTRIBUTES, save_stargan, smooth_image


def test_hair_colours_form_the_exclusive_group() -> None:
    assert exclusive_groups(CELEBA_ATTRIBUTES) == [[0, 1, 2]]
    assert exclusive_groups(["Male", "Young"]) == []
    assert exclusive_groups(["Blond_Hair", "Male"]) == []


def test_targets_follow_the_reference_create_labels() -> None:
    groups = exclusive_groups(CELEBA_ATTRIBUTES)
    original = [1, 0, 0, 1, 0]  # black-haired young-looking man? no: male, not young
    full = [1.0] * 5
    # blond: one hair colour set, the others cleared
    assert target_labels(original, [False, True, False, False, False], full, groups) == [0, 1, 0, 1, 0]
    # flip male and young
    assert target_labels(original, [False, False, False, True, True], full, groups) == [1, 0, 0, 0, 1]
    # half strength moves half way from the original
    assert target_labels(original, [False, True, False, True, False], [1, 0.5, 1, 0.25, 1], groups) == [0.5, 0.5, 0, 0.75, 0]
    assert target_labels(original, [False] * 5, full, groups) == [1, 0, 0, 1, 0]
    with pytest.raises(ValueError):
        target_labels(original, [False] * 4, full, groups)


@pytest.fixture(scope="module")
def stargan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_stargan(tmp_path_factory.mktemp("m") / "tiny-stargan.safetensors", resolution=32)


def test_edit_runs_at_the_model_resolution_and_depends_on_the_target(stargan: Path) -> None:
    runner = JobRunner(device="cpu")
    crop = smooth_image(32, 32)
    a = runner.run(AttributeJob(crop=crop, target=(1, 0, 0, 1, 0), model_path=str(stargan))).outputs["image"]
    b = runner.run(AttributeJob(crop=crop, target=(0, 1, 0, 1, 0), model_path=str(stargan))).outputs["image"]
    assert a.shape == (32, 32, 3) and a.dtype == np.uint8
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 0.5
    big = runner.run(AttributeJob(crop=smooth_image(70, 70), target=(1, 0, 0, 1, 0), model_path=str(stargan))).outputs["image"]
    assert big.shape == (32, 32, 3)
    with pytest.raises(ValueError, match="5 attributes"):
        runner.run(AttributeJob(crop=crop, target=(1, 0), model_path=str(stargan)))


def test_folder_edit_pastes_back_at_full_size(stargan: Path, tmp_path: Path) -> None:
    runner = JobRunner(device="cpu")
    folder = tmp_path / "faces"
    folder.mkdir()
    Image.fromarray(smooth_image(90, 60, seed=1)).save(folder / "a.png")
    Image.fromarray(smooth_image(40, 40, seed=2)).save(folder / "b.jpg", quality=95)
    (folder / "c.png").write_bytes(b"garbage")
    inputs = tuple(str(folder / n) for n in ("a.png", "b.jpg", "c.png"))
    job = AttributeFolderJob(inputs=inputs, output_folder=str(tmp_path / "out"), target=(0, 1, 0, 1, 0), model_path=str(stargan))
    outputs = runner.run(job).outputs
    assert [Path(p).name for p in outputs["written"]] == ["a_edited.png", "b_edited.png"]
    assert [Path(s).name for s, _ in outputs["skipped"]] == ["c.png"]
    assert read_photo(outputs["written"][0]).size == (60, 90)
