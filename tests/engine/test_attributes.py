"""StarGAN attribute targets (hair colours exclusive, strengths), the attribute session, the paste-back, detection."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from attribute_models import BRIGHT_LABELS, DARK_LABELS, flat_photo, save_stargan_with_classifier
from ganstudio.document.face_crop import CropBox, crop_for_model, paste_back
from ganstudio.document.image_io import read_image_settings, read_photo
from ganstudio.engine.attributes import (
    AttributeDetectJob,
    AttributeFolderJob,
    AttributeJob,
    edit_delta,
    exclusive_groups,
    labels_from_scores,
    paste_edit,
    target_labels,
)
from ganstudio.engine.runner import JobRunner
from translation_models import CELEBA_ATTRIBUTES, save_stargan, smooth_image

BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "models" / "faces-stargan.safetensors"
SAMPLE_FACE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "faces" / "face-2.png"


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
    job = AttributeFolderJob(inputs=inputs, output_folder=str(tmp_path / "out"), original=(1, 0, 0, 1, 0), toggled=(False, True, False, False, False),
                             strengths=(1.0,) * 5, model_path=str(stargan))
    outputs = runner.run(job).outputs
    assert [Path(p).name for p in outputs["written"]] == ["a_edited.png", "b_edited.png"]
    assert [Path(s).name for s, _ in outputs["skipped"]] == ["c.png"]
    assert read_photo(outputs["written"][0]).size == (60, 90)
    settings = read_image_settings(outputs["written"][0])
    # no classifier in this file: the one "photo has" setting went to every photo, and the file says so
    assert outputs["detected"] == 0 and settings["photo_has"]["Black_Hair"] == 1 and settings["photo_has_from"].startswith("the same")
    assert settings["target"] == {"Black_Hair": 0.0, "Blond_Hair": 1.0, "Brown_Hair": 0.0, "Male": 1.0, "Young": 0.0}


def test_labels_from_scores_keeps_one_hair_colour() -> None:
    groups = exclusive_groups(CELEBA_ATTRIBUTES)
    assert labels_from_scores([0.7, 0.9, 0.2, 0.6, 0.4], groups) == [0, 1, 0, 1, 0]
    assert labels_from_scores([0.3, 0.4, 0.1, 0.2, 0.8], groups) == [0, 0, 0, 0, 1]  # no colour likely: none


# ---- the paste-back (issue 19: noise over plain background, "keep photo detail") --------------------------
def test_edit_delta_drops_checkerboard_noise_and_keeps_a_real_change() -> None:
    rng = np.random.default_rng(0)
    reference = np.full((32, 32, 3), 120, np.uint8)
    checker = (np.indices((32, 32)).sum(axis=0) % 2 * 2 - 1)[..., None] * 6  # the decoder's +-6 checkerboard
    edited = reference.astype(int) + checker + rng.normal(0, 2, (32, 32, 3)).round().astype(int)
    edited[10:22, 10:22] += 40  # the edit proper
    delta = edit_delta(np.clip(edited, 0, 255).astype(np.uint8), reference)
    assert np.abs(delta[:6, :6]).max() < 0.5  # flat area: nothing added
    assert abs(float(delta[13:19, 13:19].mean()) - 40) < 2  # the change itself: kept
    # no change asked: no change at all
    assert not edit_delta(reference, reference).any()


def test_edit_with_the_original_labels_returns_the_model_redraw_and_no_change_pastes_nothing(stargan: Path) -> None:
    runner = JobRunner(device="cpu")
    crop = smooth_image(32, 32)
    out = runner.run(AttributeJob(crop=crop, target=(0, 1, 0, 1, 0), original=(1, 0, 0, 1, 0), model_path=str(stargan))).outputs
    alone = runner.run(AttributeJob(crop=crop, target=(1, 0, 0, 1, 0), model_path=str(stargan))).outputs["image"]
    np.testing.assert_array_equal(out["reference"], alone)  # the batch of two gives what a run of its own gives
    assert np.abs(out["image"].astype(int) - out["reference"].astype(int)).mean() > 0.5
    same = runner.run(AttributeJob(crop=crop, target=(1, 0, 0, 1, 0), original=(1, 0, 0, 1, 0), model_path=str(stargan))).outputs
    photo = smooth_image(60, 50, seed=3)
    np.testing.assert_array_equal(paste_edit(photo, same["image"], same["reference"], CropBox(0, 5, 50)), photo)


def _wall_portrait() -> tuple[np.ndarray, CropBox, tuple[slice, slice], tuple[slice, slice]]:
    """A sample face (2x) at the bottom of a plain wall; the crop box reaches 60 px over the wall.

    Returns the photo, the box, the wall inside the box's plateau and the hair.
    """
    face = np.asarray(Image.open(SAMPLE_FACE).convert("RGB").resize((256, 256), Image.Resampling.BICUBIC))
    rng = np.random.default_rng(1)
    photo = np.clip(face[:20, :20].reshape(-1, 3).mean(axis=0) + rng.normal(0, 1.5, (400, 640, 3)), 0, 255).astype(np.uint8)
    photo[144:400, 340:596] = face
    box = CropBox(280, 144, 256)
    return photo, box, (slice(170, 396), slice(301, 336)), (slice(150, 230), slice(400, 540))


def test_export_over_plain_background_adds_no_noise_and_keeps_the_edit() -> None:
    """Issue 19, bundled model: black-haired man made blond, the crop box partly over a plain wall."""
    photo, box, wall, hair = _wall_portrait()
    runner = JobRunner(device="cpu")
    original, target = (1, 0, 0, 1, 1), (0, 1, 0, 1, 1)
    out = runner.run(AttributeJob(crop=crop_for_model(photo, box, 64), target=target, original=original, model_path=str(BUNDLED))).outputs
    before = paste_back(photo, out["image"], box, feather=20)  # the old paste: the model's output minus its input
    after = paste_edit(photo, out["image"], out["reference"], box, feather=20)

    def wall_std(pixels: np.ndarray) -> float:
        return float(pixels[wall].astype(float).std(axis=(0, 1)).mean())

    def change(pixels: np.ndarray, where: tuple[slice, slice]) -> float:
        return float(np.abs(pixels[where].astype(float) - photo[where]).mean())

    def colour_shift(pixels: np.ndarray, where: tuple[slice, slice]) -> float:  # noise averages out
        return float(np.linalg.norm((pixels[where].astype(float) - photo[where]).mean(axis=(0, 1))))

    # measured: wall std 1.53 in the photo, 5.68 with the old paste, 1.74 now (mean change 7.06 -> 0.32);
    # the hair's colour shift 52.0 -> 43.8 (8.6 of the 52 is the model's redraw of the black hair, asked for no change)
    assert wall_std(before) > 3 * wall_std(photo)  # the reported noise
    assert wall_std(after) < 1.25 * wall_std(photo)
    assert change(after, wall) < 0.5 < 5 < change(before, wall)
    assert colour_shift(after, hair) > 0.75 * colour_shift(before, hair) and colour_shift(after, hair) > 35


def test_keep_photo_detail_keeps_it_and_off_shows_the_model_output() -> None:
    """Issue 19: on keeps the photo's detail where the edit does not act, off is the model's picture (measured)."""
    photo, box, _, _ = _wall_portrait()
    runner = JobRunner(device="cpu")
    out = runner.run(AttributeJob(crop=crop_for_model(photo, box, 64), target=(0, 1, 0, 1, 1), original=(1, 0, 0, 1, 1), model_path=str(BUNDLED))).outputs
    inside = (slice(box.y, box.y + box.size), slice(box.x, box.x + box.size))
    features = (slice(244, 394), slice(420, 520))  # eyes, mouth, neck

    def detail(pixels: np.ndarray, where: tuple[slice, slice]) -> float:
        luma = pixels[where].astype(float).mean(axis=-1)
        return float(np.abs(np.diff(luma, axis=0)).mean() + np.abs(np.diff(luma, axis=1)).mean())

    on = paste_edit(photo, out["image"], out["reference"], box, keep_detail=True)
    off = paste_edit(photo, out["image"], out["reference"], box, keep_detail=False)
    old_on, old_off = (paste_back(photo, out["image"], box, keep_detail=k) for k in (True, False))
    # measured: on vs off 11.3 levels apart inside the box (the old option: 2.6); the features' gradient 1.00 of the
    # photo's on, 0.53 off; their mean change 5.7 on (old option on: 16.0, its detail 1.04 mostly the model's noise)
    assert np.abs(on[inside].astype(float) - off[inside]).mean() > 3 * np.abs(old_on[inside].astype(float) - old_off[inside]).mean()
    assert detail(on, features) / detail(photo, features) > 0.9
    assert detail(off, features) / detail(photo, features) < 0.75
    assert np.abs(on[features].astype(float) - photo[features]).mean() < 0.6 * np.abs(old_on[features].astype(float) - photo[features]).mean()


# ---- detection by the model's classifier -------------------------------------------------------------------------
def test_a_discriminator_part_detects_attributes_per_photo_in_folder_runs(tmp_path: Path) -> None:
    model = save_stargan_with_classifier(tmp_path / "with-d.safetensors")
    runner = JobRunner(device="cpu")
    scores = runner.run(AttributeDetectJob(crop=flat_photo(32, 32, 230), model_path=str(model))).outputs["scores"]
    assert labels_from_scores(scores, exclusive_groups(CELEBA_ATTRIBUTES)) == BRIGHT_LABELS
    folder = tmp_path / "faces"
    folder.mkdir()
    Image.fromarray(flat_photo(40, 30, 230)).save(folder / "bright.png")
    Image.fromarray(flat_photo(40, 30, 25)).save(folder / "dark.png")
    inputs = tuple(str(folder / n) for n in ("bright.png", "dark.png"))
    toggled = (False, False, False, True, False)  # flip Male
    job = AttributeFolderJob(inputs=inputs, output_folder=str(tmp_path / "out"), original=(0,) * 5, toggled=toggled, strengths=(1.0,) * 5, model_path=str(model))
    outputs = runner.run(job).outputs
    assert outputs["detected"] == 2
    bright, dark = (read_image_settings(p) for p in outputs["written"])
    assert list(bright["photo_has"].values()) == BRIGHT_LABELS and bright["photo_has_from"] == "classifier"
    assert list(dark["photo_has"].values()) == DARK_LABELS
    assert bright["target"]["Male"] == 0.0 and dark["target"]["Male"] == 1.0  # each photo flipped from what it has
    # asked not to detect: the given ticks for both
    same = runner.run(AttributeFolderJob(inputs=inputs, output_folder=str(tmp_path / "out2"), original=(0,) * 5, toggled=toggled, strengths=(1.0,) * 5,
                                         detect=False, model_path=str(model))).outputs
    assert same["detected"] == 0 and all(read_image_settings(p)["target"]["Male"] == 1.0 for p in same["written"])
    # a file without the part: no scores
    assert runner.run(AttributeDetectJob(crop=flat_photo(32, 32, 230), model_path=str(save_stargan(tmp_path / "plain.safetensors")))).outputs == {}


def test_a_photo_that_cannot_be_edited_is_skipped_and_the_folder_run_goes_on(stargan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ganstudio.engine.attributes import AttributeSession

    runner = JobRunner(device="cpu")
    folder = tmp_path / "faces"
    folder.mkdir()
    for name, seed in (("a.png", 1), ("bad.png", 2), ("c.png", 3)):
        Image.fromarray(smooth_image(40, 40, seed=seed)).save(folder / name)
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(folder / "dot.png")
    real = AttributeSession.edit_pair
    calls = iter(range(100))

    def fail_second(self, crop, target, original):  # type: ignore[no-untyped-def]
        if next(calls) == 1:
            raise RuntimeError("simulated failure inside the network")
        return real(self, crop, target, original)

    monkeypatch.setattr(AttributeSession, "edit_pair", fail_second)
    inputs = tuple(str(folder / n) for n in ("a.png", "bad.png", "c.png", "dot.png"))
    job = AttributeFolderJob(inputs=inputs, output_folder=str(tmp_path / "out"), original=(1, 0, 0, 1, 0), toggled=(False, True, False, False, False),
                             strengths=(1.0,) * 5, model_path=str(stargan))
    outputs = runner.run(job).outputs
    assert [Path(p).name for p in outputs["written"]] == ["a_edited.png", "c_edited.png", "dot_edited.png"]  # a 1x1 photo is scaled up, not fatal
    assert [(Path(s).name, why) for s, why in outputs["skipped"]] == [("bad.png", "simulated failure inside the network")]
