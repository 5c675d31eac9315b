"""LostGAN's engine job on the reference-made fixture: same output as the network, seeds re-roll one object only."""
from __future__ import annotations

import lzma
import os

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import load_model
from ganstudio.engine.device import CPU_RUNTIME
from ganstudio.engine.layout import LayoutJob, LayoutSession, truncated_latent
from ganstudio.engine.model_cache import ReadyModel
from ganstudio.engine.session import RunContext

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "lostgan", "netGv2_tiny128.pth.xz")


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> LayoutSession:
    path = tmp_path_factory.mktemp("lostgan") / "netGv2_tiny128.pth"
    with lzma.open(FIXTURE, "rb") as src:
        path.write_bytes(src.read())
    loaded = load_model(path)
    return LayoutSession(ReadyModel(loaded, CPU_RUNTIME, key=id(loaded)), CPU_RUNTIME)


def render(session: LayoutSession, seeds: list[int], scene: int = 5, preview: bool = False) -> dict:
    job = LayoutJob(channel="layout", boxes=np.array([[0.05, 0.1, 0.4, 0.5], [0.55, 0.45, 0.4, 0.5]]),
                    classes=np.array([1, 149]), object_seeds=np.array(seeds), scene_seed=scene, preview=preview)
    return dict(session.run(job, RunContext(job)))


def test_truncated_latent_is_bounded_and_reproducible() -> None:
    z = truncated_latent(7, 4096)
    assert float(z.abs().max()) <= 2.0 and torch.equal(z, truncated_latent(7, 4096))
    assert 0.7 < float(z.std()) < 0.95  # a normal cut at 2 sigma has std 0.88


def test_job_renders_what_the_network_computes(session) -> None:
    out = render(session, [1, 2])
    assert out["image"].shape == (128, 128, 3) and out["masks"].shape == (2, 128, 128)
    net = session.model.module
    with torch.no_grad():
        ref = net(torch.stack([truncated_latent(1, 128), truncated_latent(2, 128)])[None],
                  torch.tensor([[[0.05, 0.1, 0.4, 0.5], [0.55, 0.45, 0.4, 0.5]]]), truncated_latent(5, 128)[None],
                  torch.tensor([[1, 149]]))
    expected = ((ref[0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()
    assert np.abs(out["image"].astype(int) - expected.astype(int)).max() <= 1
    # each object's mask lies inside its box: nothing in the bottom-right box region for the first object
    assert out["masks"][0, 80:, 90:].max() == 0 and out["masks"][1, :40, :50].max() == 0


def test_rerolling_an_object_or_the_scene_changes_the_picture(session) -> None:
    base = render(session, [1, 2])["image"].astype(int)
    rerolled = render(session, [1, 3])["image"].astype(int)
    scene = render(session, [1, 2], scene=6)["image"].astype(int)
    assert np.abs(rerolled - base).mean() > 0.5 and np.abs(scene - base).mean() > 0.5
    assert np.array_equal(render(session, [1, 2])["image"].astype(int), base)  # same seeds, same picture


def test_rerolling_one_object_changes_mostly_inside_its_mask(session) -> None:
    """Measured on the fixture (random weights, 128 px): mean change 40 levels inside object 2's mask, 8.4 outside."""
    before, after = render(session, [1, 2]), render(session, [1, 3])
    change = np.abs(before["image"].astype(int) - after["image"].astype(int)).mean(axis=2)
    inside = np.maximum(before["masks"][1], after["masks"][1]) > 0.05 * 255
    assert change[inside].mean() > 20
    assert change[~inside].mean() < 0.35 * change[inside].mean()


def test_preview_is_half_size_and_an_empty_layout_renders(session) -> None:
    assert render(session, [1, 2], preview=True)["image"].shape == (64, 64, 3)
    job = LayoutJob(channel="layout", boxes=np.zeros((0, 4)), classes=np.zeros(0), object_seeds=np.zeros(0))
    out = session.run(job, RunContext(job))
    assert out["image"].shape == (128, 128, 3) and out["masks"].shape == (0, 128, 128)


def test_bad_layouts_are_refused_in_words(session) -> None:
    for boxes, classes, says in (([[0, 0, 0, 0.5]], [1], "positive width"), ([[0, 0, 0.5, 0.5]], [999], "class ids"),
                                 ([[0, 0, 0.5, 0.5]], [1, 2], "one class and one seed")):
        job = LayoutJob(channel="layout", boxes=np.array(boxes, dtype=float), classes=np.array(classes),
                        object_seeds=np.array([1]))
        with pytest.raises(ValueError, match=says):
            session.run(job, RunContext(job))
