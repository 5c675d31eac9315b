"""trainer.evaluation: the metrics on constructed cases, and docs/models.md from tiny stand-in models."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import load_model, save_model
from ganstudio.models.cyclegan import ResnetGenerator
from ganstudio.models.oasis import OASISGenerator
from ganstudio.models.pix2pix import UnetGenerator
from ganstudio.models.sean import SEANGenerator
from ganstudio.models.spade import ConvEncoder, SPADEGenerator
from ganstudio.models.stargan import Generator as StarGANGenerator
from ganstudio.models.stylegan2 import Generator as StyleGAN2Generator
from trainer.evaluation import heldout
from trainer.evaluation.__main__ import evaluate_all, find_models
from trainer.evaluation.context import Settings
from trainer.evaluation.grids import MAX_PNG_BYTES, png_bytes
from trainer.evaluation.metrics import (class_colour_errors, colour_shift, detail_ratio, flip_rates, flip_targets,
                                        frechet_distance, mean_abs_error, mean_pairwise_difference, psnr, seen_values)
from trainer.evaluation.provenance import training_record
from trainer.synthetic.faces import FACE_ATTRIBUTES
from trainer.synthetic.landscapes import LANDSCAPE_CLASSES

STARGAN_ATTRS = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]


def _images(n: int = 3, size: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def test_psnr_is_infinite_for_identical_images_and_known_for_a_constant_offset():
    a = _images()
    assert np.isinf(psnr(a, a)).all()
    b = np.clip(a.astype(int) + 1, 0, 255).astype(np.uint8)
    b[a == 255] = 254  # keep |difference| exactly 1 everywhere
    np.testing.assert_allclose(psnr(b, a), 10 * np.log10(255.0**2), rtol=1e-9)


def test_class_colour_error_is_zero_for_the_ground_truth_and_measures_a_tinted_region():
    truth = _images(2, 16)
    labels = np.zeros((2, 16, 16), np.uint8)
    labels[:, 8:] = 2  # classes 0 and 2 present, 1 absent
    errors, counts = class_colour_errors(truth, truth, labels, 3)
    assert errors[0] == 0 and errors[2] == 0 and np.isnan(errors[1])
    assert counts.tolist() == [2, 0, 2]
    tinted = truth.astype(np.int16)
    tinted[:, 8:, :, 0] += 300  # then clipped: compare against the actual change
    tinted = np.clip(tinted, 0, 255).astype(np.uint8)
    errors, _ = class_colour_errors(tinted, truth, labels, 3)
    expected = (tinted[:, 8:, :, 0].astype(float) - truth[:, 8:, :, 0]).mean(axis=(1, 2)).mean()
    assert errors[0] == 0
    assert errors[2] == pytest.approx(expected)


def test_detail_ratio_is_one_for_the_photo_zero_for_flat_and_lower_for_a_blur():
    photos = _images(3, 16)
    flat = np.broadcast_to(photos.mean(axis=(1, 2), keepdims=True).astype(np.uint8), photos.shape)
    blurred = ((photos[:, :-1, :-1].astype(int) + photos[:, 1:, 1:]) // 2).astype(np.uint8)
    assert detail_ratio(photos, photos) == pytest.approx(1.0)
    assert detail_ratio(flat, photos) == 0.0
    assert 0.2 < detail_ratio(blurred, photos[:, :-1, :-1]) < 0.9


def test_cycle_error_and_colour_shift_on_constructed_cases():
    a = _images()
    assert mean_abs_error(a, a) == 0
    assert mean_abs_error(np.zeros_like(a), np.full_like(a, 4)) == 4
    source, target = np.array([100.0, 120, 90]), np.array([160.0, 170, 180])
    inputs = np.full((2, 4, 4, 3), 100, np.uint8)
    moved = (inputs + (target - source)).astype(np.uint8)
    assert colour_shift(inputs, inputs, source, target) == 0
    assert colour_shift(inputs, moved, source, target) == pytest.approx(1.0)


def test_frechet_distance_matches_the_closed_form():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 3))
    assert frechet_distance(x, x) == pytest.approx(0, abs=1e-9)
    shift = np.array([1.0, -2.0, 0.5])
    assert frechet_distance(x, x + shift) == pytest.approx((shift**2).sum(), rel=1e-9)
    # Scaling by 2: covariance 4 S, so tr(S + 4S - 2 * 2S) = tr(S).
    cov = np.cov(x, rowvar=False)
    assert frechet_distance(x, 2 * x) == pytest.approx(x.mean(0) @ x.mean(0) + np.trace(cov), rel=1e-6)


def test_flip_targets_switch_hair_colours_exclusively():
    original = np.array([[1, 0, 0, 1, 0], [0, 1, 0, 0, 1]], bool)
    target, tried = flip_targets(original, STARGAN_ATTRS, 0)  # Black_Hair: only where it is off
    assert tried.tolist() == [False, True]
    assert target[1].tolist() == [True, False, False, False, True]
    target, tried = flip_targets(original, STARGAN_ATTRS, 3)  # Male: toggled everywhere
    assert tried.all() and target[:, 3].tolist() == [False, True]
    seen = seen_values(np.array([[0.6, 0.9, 0.1, 0.2, 0.7, 0.4, 0.8]]), FACE_ATTRIBUTES)
    assert seen[0].tolist() == [False, True, False, False, True, False, True]  # the likelier hair colour wins


def _oracle(n: int = 20):
    """Faces as their own attribute vectors (classifier order), an editor that sets the target exactly."""
    rng = np.random.default_rng(1)
    attrs = np.zeros((n, len(FACE_ATTRIBUTES)), bool)
    attrs[np.arange(n), rng.integers(0, 3, n)] = True  # one hair colour
    attrs[:, 3:] = rng.random((n, 4)) < 0.5
    columns = [FACE_ATTRIBUTES.index(a) for a in STARGAN_ATTRS]

    def edit(images: np.ndarray, target: np.ndarray) -> np.ndarray:
        out = images.copy()
        out[:, columns] = target
        return out

    return attrs.astype(float), attrs[:, columns], edit


def test_flip_rate_is_one_for_a_perfect_editor_and_zero_for_the_unedited_input():
    images, original, edit = _oracle()
    perfect = flip_rates(edit, lambda x: x, images, original, STARGAN_ATTRS, FACE_ATTRIBUTES)
    assert [r.attribute for r in perfect] == STARGAN_ATTRS
    assert all(r.rate == 1.0 and r.kept == 1.0 for r in perfect)
    assert perfect[3].trials == len(images)  # Male is tried on every face
    assert perfect[0].trials == int((~original[:, 0]).sum())  # black hair only where it is not black already
    unedited = flip_rates(lambda x, t: x, lambda x: x, images, original, STARGAN_ATTRS, FACE_ATTRIBUTES)
    assert all(r.rate == 0.0 and r.kept == 1.0 for r in unedited)


def test_heldout_seeds_are_disjoint_from_training():
    seeds = {heldout.TRAIN_LANDSCAPE_SEED, heldout.HELDOUT_LANDSCAPE_SEED, heldout.HELDOUT_LANDSCAPE_SEED_2,
             heldout.MEASURE_LANDSCAPE_SEED}
    assert len(seeds) == 4
    assert len({heldout.TRAIN_FACE_SEED, heldout.HELDOUT_FACE_SEED, heldout.MEASURE_FACE_SEED}) == 3
    x = _images(2, 8)
    assert (heldout.to_uint8(heldout.to_tensor(x)) == x).all()


def test_training_data_style_is_read_from_the_data_command():
    fixed = heldout.DataStyle.of("-m trainer.cli make-data landscapes DATA --n 30 --seed 3 --season summer --time-of-day day")
    assert fixed == heldout.DataStyle(3, "summer", "day")
    assert heldout.DataStyle.of(None) == heldout.DataStyle(heldout.TRAIN_LANDSCAPE_SEED, None, None)
    labels, photos = heldout.render_landscapes(fixed.seed, 2, size=32, season=fixed.season, time_of_day=fixed.time_of_day)
    again, _ = heldout.render_landscapes(fixed.seed, 2, size=32)
    assert labels.shape == (2, 32, 32) and photos.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(labels, again)  # the layout does not depend on the look


def test_mean_pairwise_difference_averages_every_pair_then_every_input():
    base = np.full((2, 4, 4, 3), 100, np.uint8)  # two inputs
    assert mean_pairwise_difference(np.stack([base, base])) == 0
    draws = np.stack([base, base + 10, base + 30])  # pairs differ by 10, 30 and 20
    assert mean_pairwise_difference(draws) == pytest.approx(20.0)
    half = base.copy()
    half[1] += 40  # only the second input changes: (0 + 40) / 2
    assert mean_pairwise_difference(np.stack([base, half])) == pytest.approx(20.0)
    with pytest.raises(ValueError):
        mean_pairwise_difference(base[None])


def test_other_looks_keep_the_layout_and_look_zero_is_the_ground_truth():
    labels, truth = heldout.render_landscapes(heldout.HELDOUT_LANDSCAPE_SEED, 2, size=32)
    looks = heldout.render_looks(heldout.HELDOUT_LANDSCAPE_SEED, 2, 3, size=32)
    assert looks.shape == (3, 2, 32, 32, 3)
    np.testing.assert_array_equal(looks[0], truth)
    assert mean_pairwise_difference(looks) > 5  # other suns, colours, seasons
    summer = heldout.render_looks(heldout.HELDOUT_LANDSCAPE_SEED, 2, 2, size=32, season="summer", time_of_day="day")
    assert summer.shape == (2, 2, 32, 32, 3)


def test_grid_png_is_kept_under_the_size_limit():
    noisy = _images(1, 400, seed=3)[0]  # incompressible: the palette fallback must kick in
    assert len(png_bytes(noisy, MAX_PNG_BYTES)) <= MAX_PNG_BYTES


def _tiny_models(folder: Path) -> None:
    torch.manual_seed(0)
    labels = [dict(c) for c in LANDSCAPE_CLASSES]
    k = len(labels)
    spade = SPADEGenerator(label_nc=k, ngf=2, crop_size=32, use_vae=True, z_dim=4)
    encoder = ConvEncoder(ngf=2, crop_size=32, z_dim=4)
    save_model(spade, folder / "landscape-spade.safetensors", parts={"encoder": encoder}, labels=labels, resolution=32,
               provenance={"iterations": 7, "data_command": "-m trainer.cli make-data landscapes DATA --seed 1"})
    save_model(SEANGenerator(label_nc=k, ngf=2, crop_size=32, style_dim=4), folder / "landscape-sean.safetensors",
               labels=labels, resolution=32, provenance={"iterations": 7})
    save_model(OASISGenerator(label_nc=k, contain_dontcare_label=False, channels_G=2, z_dim=4, crop_size=32, spade_hidden=8),
               folder / "landscape-oasis.safetensors", labels=labels, resolution=32, provenance={"iterations": 7})
    save_model(UnetGenerator(input_nc=3, output_nc=3, num_downs=5, ngf=2), folder / "landscape-pix2pix.safetensors",
               resolution=32, provenance={"iterations": 7})
    forward = ResnetGenerator(ngf=2, n_blocks=1)
    reverse = ResnetGenerator(ngf=2, n_blocks=1)
    save_model(forward, folder / "summer2winter-cyclegan.safetensors", parts={"reverse": reverse}, resolution=16,
               provenance={"iterations": 7})
    save_model(StarGANGenerator(conv_dim=4, c_dim=5, repeat_num=1), folder / "faces-stargan.safetensors",
               attributes=STARGAN_ATTRS, resolution=16, provenance={"iterations": 7})
    save_model(StyleGAN2Generator(z_dim=4, c_dim=0, w_dim=4, img_resolution=8, img_channels=3, mapping_kwargs={"num_layers": 1},
                                  synthesis_kwargs={"channel_base": 32, "channel_max": 4}),
               folder / "landscape-stylegan2.safetensors", resolution=8, provenance={"iterations": 7})


@pytest.mark.slow
def test_docs_page_from_tiny_stand_in_models(tmp_path: Path):
    models, work, out = tmp_path / "models", tmp_path / "work", tmp_path / "docs"
    models.mkdir()
    _tiny_models(models)
    (work / "landscape-pix2pix").mkdir(parents=True)
    (work / "landscape-pix2pix" / "train.json").write_text(json.dumps(
        {"command": "-m trainer.cli pix2pix --data DATA/landscapes128-n3000-s1/pix2pix --out RUN --iters 20000",
         "iterations": 7, "wall_time_s": 3725, "device": "NVIDIA Test GPU"}))
    settings = Settings(n_paint=2, n_faces=6, n_cycle=3, n_fid=8, n_stats=3, face_train=(16, 1), season_train=(8, 1),
                        feature_train=(8, 1), n_grid=2, batch=2, n_separability=40, cache_dir=None)
    page = evaluate_all(models, work, out, settings, command="python -m trainer.evaluation --test", log=lambda _: None)
    text = page.read_text()
    names = list(find_models(models, None))
    assert names[:4] == ["landscape-spade", "landscape-sean", "landscape-oasis", "landscape-pix2pix"]  # the defaults' order
    for name in names:
        assert f"## {name}" in text
        png = out / "images" / "models" / f"{name}.png"
        assert png.exists() and png.stat().st_size <= MAX_PNG_BYTES
    assert "style encoded from the ground truth" in text and "baseline: class-mean colours" in text
    assert "baseline: identity" in text and "floor: a second held-out real set" in text
    assert "flip seen, unedited input" in text and "classifier accuracy" in text
    assert "detail (photo = 1)" in text and "(class-mean colours); colour error" in text
    assert "no-change edit PSNR" in text and "colour label map, reference test mode" in text
    # pix2pix (trained on summer daytime only, per trainer/defaults.py) is tested on that look; SPADE on any.
    assert "label maps, 32 px; summer day photos only, as in training" in text
    assert "label maps, 32 px; a random season and time of day per photo, as in training" in text
    # The training record comes from train.json where present, else trainer/defaults.py.
    assert "python -m trainer.cli pix2pix --data ~/.cache/ganstudio/defaults/data/landscapes128-n3000-s1/pix2pix --out ~/.cache/ganstudio/defaults/runs/landscape-pix2pix" in text
    assert "1 h 02 min" in text and "NVIDIA Test GPU" in text
    assert "trainer/defaults.py (no train.json found)" in text
    # OASIS: random noise is its one mode; a diversity table for it and SPADE's random style, beside the data's own
    assert "landscape-oasis (random noise)" in text
    assert "landscape-oasis (random noise) | " in text.split("## landscape-oasis")[1].split("**Diversity")[1]
    assert text.count("**Diversity (4 outputs per held-out label map)**") == 2  # OASIS, SPADE (SEAN: batch 2 has no other donors)
    assert "the data: each map's layout in 4 looks" in text
    # the three models on the same maps side by side, pix2pix (its own look) not among them
    section = text.split("**Label map → photo side by side (2 label maps, 32 px; a random season and time of day per photo)**")[1]
    table = section.split("\n\n")[1]
    assert "landscape-oasis (random noise)" in table and "landscape-spade (random style)" in table and "landscape-sean" in table
    assert "pix2pix" not in table and "baseline: class-mean colours" in table


def test_training_record_falls_back_to_the_defaults_table(tmp_path: Path):
    save_model(ResnetGenerator(ngf=2, n_blocks=1), tmp_path / "m.safetensors", resolution=16,
               provenance={"iterations": 5, "wall_time_s": 90, "device": "CPU (2 cores)"})
    record = training_record("summer2winter-cyclegan", load_model(tmp_path / "m.safetensors"), None)
    assert record["command"].startswith("python -m trainer.cli cyclegan --data ~/.cache/ganstudio/defaults/data/landscapes128-n3000-s1/cyclegan")
    assert record["data_seed"] == 1 and record["iterations"] == 5 and record["wall_time_s"] == 90
    assert record["target_iterations"] == 30000
    unknown = training_record("someone-elses-model", load_model(tmp_path / "m.safetensors"), None)
    assert unknown["command"] is None and unknown["reproduce"] is None


@pytest.mark.slow
def test_docs_page_covers_every_bundled_model(tmp_path: Path):
    """The page the docs are made from, over the shipped files in the tiny setting: every family's evaluator and
    headline run (a new family's figures must not break the page), and every bundled model with an evaluation has
    its section."""
    root = Path(__file__).resolve().parents[2]
    logged: list[str] = []
    page = evaluate_all(root / "resources" / "models", None, tmp_path, Settings.tiny(tmp_path / "cache"), command="test", log=logged.append)
    text = page.read_text()
    skipped = {line.split(":")[0] for line in logged if "no evaluation for architecture" in line}
    for name in find_models(root / "resources" / "models", None):
        assert (f"## {name}" in text) != (name in skipped), name
    assert "MB budget" in text
