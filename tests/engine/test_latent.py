"""LatentSession: seeds, truncation, class, W blends, mixing, noise, previews and GIFs on tiny StyleGAN2 models."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.checkpoints import load_model
from ganstudio.engine.device import CPU_RUNTIME
from ganstudio.engine.latent import LatentSession, preview_resolution
from ganstudio.engine.latent_spec import (
    LatentAnimationJob,
    LatentJob,
    LatentRender,
    LatentSource,
    NoiseSettings,
    StyleLayout,
    bilinear_weights,
    crossover_of,
    crossover_sources,
    inverse_distance_weights,
    pad_weights,
)
from ganstudio.engine.model_cache import ReadyModel
from ganstudio.engine.session import Cancelled, RunContext
from stylegan_models import save_tiny_stylegan2

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stylegan2"


def session_for(path: Path) -> LatentSession:
    loaded = load_model(path)
    return LatentSession(ReadyModel(loaded, CPU_RUNTIME, key=id(loaded)), CPU_RUNTIME)


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> LatentSession:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("m") / "sg2.safetensors"
    save_tiny_stylegan2(path, random_w_avg=True)
    return session_for(path)


def seed(value: int) -> LatentSource:
    return LatentSource.from_seed(value)


def render_image(session: LatentSession, render: LatentRender, preview: bool = False) -> np.ndarray:
    job = LatentJob(render=render, preview=preview)
    return session.run(job, RunContext(job))["image"]


def test_layout_from_config_matches_the_model(session: LatentSession) -> None:
    gen = session.generator
    layout = StyleLayout.from_config(gen.config)
    assert layout.num_ws == gen.num_ws == 8
    assert list(layout.noise_layers) == gen.noise_layer_names
    assert (layout.resolution, layout.w_dim, layout.z_dim, layout.c_dim) == (32, 32, 32, 0)


@pytest.mark.parametrize("name", ["cond", "skip"])
def test_a_seed_gives_the_reference_image_of_an_official_pickle(name: str) -> None:
    expected = torch.load(FIXTURES / f"{name}_expected.pt")
    session = session_for(FIXTURES / f"network-snapshot-{name}.pkl")
    for row, seed_value in enumerate(expected["seeds"].tolist()):
        class_index = int(expected["c"][row].argmax()) if session.generator.c_dim else 0
        render = LatentRender(blend=((seed(seed_value), 1.0),), psi=expected["psi"], cutoff=expected["cutoff"], class_index=class_index)
        ws = session.final_ws(render)
        torch.testing.assert_close(ws[0], expected["ws"][row], rtol=1e-4, atol=1e-5)
        reference = ((expected["img_const"][row].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()
        image = render_image(session, render)
        assert np.abs(image.astype(int) - reference.astype(int)).max() <= 1


def test_mapped_ws_are_cached_per_seed_psi_cutoff_and_class(session: LatentSession, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = []
    mapping = session.generator.mapping
    original = mapping.forward
    monkeypatch.setattr(mapping, "forward", lambda *a, **k: calls.append(1) or original(*a, **k))
    session.reset()
    a = session.source_ws(seed(5), 0.7, None, 0)
    session.source_ws(seed(5), 0.7, None, 0)
    assert len(calls) == 1
    b = session.source_ws(seed(5), 0.5, None, 0)
    c = session.source_ws(seed(5), 0.7, 3, 0)
    assert len(calls) == 3
    assert not torch.equal(a, b)
    torch.testing.assert_close(c[3:], session.source_ws(seed(5), 1.0, None, 0)[3:])  # beyond the cutoff: untruncated
    torch.testing.assert_close(c[:3], a[:3])


def test_mixing_toggle_changes_exactly_the_selected_ws(session: LatentSession) -> None:
    base = LatentRender(blend=((seed(1), 1.0),), mixing=(seed(2),), layer_sources=(0,) * 8)
    ws_a = session.final_ws(base)[0]
    ws_b = session.source_ws(seed(2), 1.0, None, 0)
    mixed = LatentRender(blend=((seed(1), 1.0),), mixing=(seed(2),), layer_sources=(0, 0, 0, 1, 0, 0, 0, 0))
    ws = session.final_ws(mixed)[0]
    changed = [index for index in range(8) if not torch.equal(ws[index], ws_a[index])]
    assert changed == [3]
    assert torch.equal(ws[3], ws_b[3])
    crossed = session.final_ws(LatentRender(blend=((seed(1), 1.0),), mixing=(seed(2),), layer_sources=crossover_sources(8, 5)))[0]
    assert torch.equal(crossed[:5], ws_a[:5]) and torch.equal(crossed[5:], ws_b[5:])


def test_noise_sliders_change_the_image_only_through_noise(session: LatentSession) -> None:
    layers = len(session.generator.noise_layer_names)
    render = lambda noise: LatentRender(blend=((seed(3), 1.0),), noise=noise)  # noqa: E731
    plain = render_image(session, render(NoiseSettings(mode="const")))
    louder = render_image(session, render(NoiseSettings(mode="const", scales=(2.0,) + (1.0,) * (layers - 1))))
    silent = render_image(session, render(NoiseSettings(mode="const", global_scale=0.0)))
    none = render_image(session, render(NoiseSettings(mode="none", scales=(2.0,) * layers)))
    assert not np.array_equal(plain, louder)
    assert np.array_equal(silent, none)  # zero strength is exactly no noise
    assert np.array_equal(none, render_image(session, render(NoiseSettings(mode="none"))))  # sliders do nothing without noise
    # the style inputs are untouched by noise settings
    job = LatentJob(render=render(NoiseSettings(mode="random", seed=4, global_scale=2.0)))
    torch.testing.assert_close(torch.from_numpy(session.run(job, RunContext(job))["ws"]), session.final_ws(render(NoiseSettings()))[0])


def test_random_noise_is_repeatable_per_noise_seed(session: LatentSession) -> None:
    make = lambda noise_seed: render_image(session, LatentRender(blend=((seed(3), 1.0),), noise=NoiseSettings(mode="random", seed=noise_seed)))  # noqa: E731
    assert np.array_equal(make(1), make(1))
    assert not np.array_equal(make(1), make(2))


def test_blend_is_a_weighted_sum_in_w(session: LatentSession) -> None:
    a, b = session.source_ws(seed(1), 0.8, None, 0), session.source_ws(seed(2), 0.8, None, 0)
    ws = session.final_ws(LatentRender(blend=((seed(1), 1.0), (seed(2), 3.0)), psi=0.8))[0]
    torch.testing.assert_close(ws, 0.25 * a + 0.75 * b)
    saved = LatentSource(w=a.numpy(), name="saved")
    torch.testing.assert_close(session.final_ws(LatentRender(blend=((saved, 1.0),), psi=0.3))[0], a)  # saved ws are final


def test_pad_weights() -> None:
    corners = [(0, 0), (1, 0), (0, 1), (1, 1)]
    np.testing.assert_allclose(pad_weights(0.25, 0.5, corners), bilinear_weights(0.25, 0.5))
    np.testing.assert_allclose(bilinear_weights(0.25, 0.5), [0.375, 0.125, 0.375, 0.125])
    free = [(0.2, 0.2), (0.8, 0.3), (0.5, 0.9)]
    np.testing.assert_allclose(pad_weights(0.8, 0.3, free), [0, 1, 0])
    weights = inverse_distance_weights(0.5, 0.5, free)
    assert weights.sum() == pytest.approx(1.0) and np.all(weights > 0)
    d = np.hypot(*(np.array(free) - 0.5).T)
    np.testing.assert_allclose(weights, d ** -2 / (d ** -2).sum())


def test_preview_is_smaller_and_matches_the_partial_skip_image(session: LatentSession) -> None:
    render = LatentRender(blend=((seed(7), 1.0),))
    preview = render_image(session, render, preview=True)
    full = render_image(session, render)
    assert preview_resolution(32) == 16 and preview_resolution(1024) == 256
    assert preview.shape == (16, 16, 3) and full.shape == (32, 32, 3)
    # coarse agreement: the preview is the same picture without its finest layers
    small_full = np.asarray(Image.fromarray(full).resize((16, 16), Image.Resampling.BOX)).astype(float)
    assert np.corrcoef(small_full.ravel(), preview.astype(float).ravel())[0, 1] > 0.3


def test_gif_animation_writes_frames_reports_progress_and_cancels(session: LatentSession, tmp_path: Path) -> None:
    stops = tuple(LatentRender(blend=((seed(s), 1.0),)) for s in (1, 2, 3))
    path = tmp_path / "walk.gif"
    job = LatentAnimationJob(stops=stops, path=str(path), frames_per_segment=3, loop=True)
    progress = []
    out = session.run(job, RunContext(job, report=progress.append))
    assert out["frames"] == 9
    with Image.open(path) as gif:
        assert gif.n_frames == 9 and gif.size == (32, 32)
    assert [p.done for p in progress] == list(range(10))

    cancelled_path = tmp_path / "never.gif"
    job = LatentAnimationJob(stops=stops, path=str(cancelled_path), frames_per_segment=3)
    ctx = RunContext(job, report=lambda p: ctx.cancel.cancel() if p.done == 2 else None)
    with pytest.raises(Cancelled):
        session.run(job, ctx)
    assert not os.path.exists(cancelled_path)


def test_wrong_inputs_are_refused_with_reasons(session: LatentSession) -> None:
    with pytest.raises(ValueError, match="needs \\[8, 32\\]"):
        session.final_ws(LatentRender(blend=((LatentSource(w=np.zeros((4, 32))), 1.0),)))
    with pytest.raises(ValueError, match="mixing source 2 does not exist"):
        LatentRender(blend=((seed(1), 1.0),), mixing=(seed(2),), layer_sources=(2,) * 8)
    with pytest.raises(ValueError, match="noise mode"):
        NoiseSettings(mode="loud")


def test_crossover_of_recognises_crossovers_only() -> None:
    assert crossover_of(crossover_sources(8, 5)) == (5, 1)
    assert crossover_of(crossover_sources(8, 3, fine_source=2)) == (3, 2)
    assert crossover_of([0] * 8) == (8, 0) and crossover_of([1] * 8) == (0, 1)
    assert crossover_of([0, 0, 1, 0, 0, 0, 0, 0]) is None
    assert crossover_of([0, 0, 0, 1, 1, 2, 2, 2]) is None
    for k in range(9):
        assert crossover_of(crossover_sources(8, k)) == ((k, 1) if k < 8 else (8, 0))
