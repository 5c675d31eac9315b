"""PaintingSession: label ids -> photo with tiny random-weight SPADE / SEAN models."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import load_model, save_model
from ganstudio.engine.device import CPU_RUNTIME
from ganstudio.engine.model_cache import ReadyModel
from ganstudio.engine.painting import PaintJob, PaintingSession
from ganstudio.engine.session import RunContext
from ganstudio.models.sean import SEANGenerator
from ganstudio.models.spade import ConvEncoder, SPADEGenerator

NUM_CLASSES = 5


def ready(loaded) -> ReadyModel:  # type: ignore[no-untyped-def]
    return ReadyModel(loaded, CPU_RUNTIME, key=id(loaded), part_runtimes={name: CPU_RUNTIME for name in loaded.parts})


@pytest.fixture(scope="module")
def spade_session(tmp_path_factory) -> PaintingSession:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    gen = SPADEGenerator(label_nc=NUM_CLASSES, ngf=4, crop_size=64, param_free_norm_type="batch")
    path = tmp_path_factory.mktemp("m") / "spade.safetensors"
    save_model(gen, path, labels=[{"name": f"c{i}", "color": [i * 40, 0, 0]} for i in range(NUM_CLASSES)], resolution=64)
    return PaintingSession(ready(load_model(path)), CPU_RUNTIME)


@pytest.fixture(scope="module")
def vae_session(tmp_path_factory) -> PaintingSession:  # type: ignore[no-untyped-def]
    torch.manual_seed(1)
    gen = SPADEGenerator(label_nc=NUM_CLASSES, ngf=4, crop_size=64, use_vae=True, z_dim=8, param_free_norm_type="batch")
    enc = ConvEncoder(ngf=4, crop_size=64, z_dim=8)
    path = tmp_path_factory.mktemp("m") / "vae.safetensors"
    save_model(gen, path, parts={"encoder": enc}, resolution=64)
    return PaintingSession(ready(load_model(path)), CPU_RUNTIME)


@pytest.fixture(scope="module")
def sean_session(tmp_path_factory) -> PaintingSession:  # type: ignore[no-untyped-def]
    torch.manual_seed(2)
    gen = SEANGenerator(label_nc=NUM_CLASSES, ngf=4, crop_size=64, style_dim=16, param_free_norm_type="batch")
    path = tmp_path_factory.mktemp("m") / "sean.safetensors"
    save_model(gen, path, resolution=64)
    return PaintingSession(ready(load_model(path)), CPU_RUNTIME)


def two_halves(h: int = 48, w: int = 64) -> np.ndarray:
    labels = np.zeros((h, w), np.uint8)
    labels[:, w // 2 :] = 3
    return labels


def test_spade_image_keeps_document_aspect_and_changes_where_painted(spade_session: PaintingSession) -> None:
    labels = two_halves(32, 64)  # 1:2, while the model was trained square
    image = spade_session.synthesize(labels)
    assert image.dtype == np.uint8 and image.shape == (32, 64, 3)
    painted = labels.copy()
    painted[:, :16] = 2
    changed = np.abs(spade_session.synthesize(painted).astype(int) - image.astype(int)).sum(axis=2) > 0
    assert changed[:, :12].mean() > 0.5  # the repainted strip changed...
    assert changed[:, 40:].mean() < changed[:, :12].mean()  # ...more than far away from it


def test_spade_preview_is_smaller_and_runs_through_a_job(spade_session: PaintingSession) -> None:
    job = PaintJob(labels=two_halves(64, 64), preview=True, revision=7)
    out = spade_session.run(job, RunContext(job))
    assert out["image"].shape == (32, 32, 3)


def test_out_of_range_ids_are_refused(spade_session: PaintingSession) -> None:
    labels = two_halves()
    labels[0, 0] = NUM_CLASSES
    with pytest.raises(ValueError, match="out of range"):
        spade_session.synthesize(labels)


def test_vae_random_style_is_seeded_and_image_style_uses_the_encoder(vae_session: PaintingSession) -> None:
    labels = two_halves(64, 64)
    a = vae_session.synthesize(labels, {"mode": "random", "seed": 3})
    assert np.array_equal(a, vae_session.synthesize(labels, {"mode": "random", "seed": 3}))
    assert not np.array_equal(a, vae_session.synthesize(labels, {"mode": "random", "seed": 4}))
    photo = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    styled = vae_session.synthesize(labels, {"mode": "image", "image": photo})
    assert np.array_equal(styled, vae_session.synthesize(labels, {"mode": "image", "image": photo}))
    assert not np.array_equal(styled, a)


def test_a_model_without_vae_ignores_the_style(spade_session: PaintingSession) -> None:
    # without a VAE the generator has no z: the first features come from the label map
    assert spade_session.synthesize(two_halves(64, 64), {"mode": "image", "image": np.zeros((8, 8, 3), np.uint8)}).shape == (64, 64, 3)


def test_sean_regions_take_styles_from_sources_and_codes_are_cached(sean_session: PaintingSession) -> None:
    labels = two_halves(64, 64)
    rng = np.random.default_rng(5)
    src_a = {"image": rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), "labels": two_halves(64, 64)}
    src_b = {"image": rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), "labels": two_halves(64, 64)}
    base = sean_session.synthesize(labels, {"seed": 0})
    assert base.shape == (64, 64, 3)
    assert np.array_equal(base, sean_session.synthesize(labels, {"seed": 0}))  # seeded noise: repeatable

    style = {"seed": 0, "sources": {"a": src_a}, "regions": {3: "a"}}
    codes = sean_session.region_codes(style)
    random_codes = sean_session.random_codes(0)
    source_codes = sean_session.source_codes(src_a["image"], src_a["labels"])
    assert torch.equal(codes[0, 3], source_codes[3])  # region 3 from source a
    assert torch.equal(codes[0, 0], random_codes[0])  # region 0 keeps the random style
    assert sean_session.source_codes(src_a["image"], src_a["labels"]) is source_codes  # computed once

    everything = sean_session.region_codes({"seed": 0, "sources": {"a": src_a}, "default": "a"})
    assert torch.equal(everything[0, 0], source_codes[0]) and torch.equal(everything[0, 3], source_codes[3])

    b_codes = sean_session.source_codes(src_b["image"], src_b["labels"])
    half = sean_session.region_codes({"seed": 0, "sources": {"a": src_a, "b": src_b}, "default": "a", "blend": {"source": "b", "amount": 0.5}})
    assert torch.allclose(half[0, 3], (source_codes[3] + b_codes[3]) / 2, atol=1e-6)
    assert not np.array_equal(base, sean_session.synthesize(labels, style))


def test_unknown_source_is_a_clear_error(sean_session: PaintingSession) -> None:
    with pytest.raises(ValueError, match="unknown style source"):
        sean_session.synthesize(two_halves(64, 64), {"regions": {0: "missing"}})


def test_a_larger_grid_gives_a_larger_picture_with_the_same_layout(spade_session: PaintingSession, sean_session: PaintingSession) -> None:
    labels = two_halves()
    for session in (spade_session, sean_session):
        native = session.synthesize(labels)
        doubled = session.synthesize(labels, latent_scale=2)
        assert doubled.shape[1] == native.shape[1] * 2
        assert abs(doubled.shape[0] / doubled.shape[1] - labels.shape[0] / labels.shape[1]) <= abs(native.shape[0] / native.shape[1] - labels.shape[0] / labels.shape[1]) + 1e-9
        # the same layout: shrunk back, it is nearer the native picture than the native picture of the mirrored map
        from PIL import Image

        shrunk = np.asarray(Image.fromarray(doubled).resize(native.shape[1::-1], Image.Resampling.BOX)).astype(float)
        mirrored = session.synthesize(labels[:, ::-1].copy()).astype(float)
        assert np.abs(shrunk - native).mean() < np.abs(shrunk - mirrored).mean()


def test_a_vae_model_cannot_synthesize_larger(vae_session: PaintingSession) -> None:
    with pytest.raises(ValueError, match="cannot synthesize 2 times larger"):
        vae_session.synthesize(two_halves(), latent_scale=2)
