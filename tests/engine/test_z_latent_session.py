"""ZLatentSession: seeds to z as the reference tools draw them, blends in Z, W-only requests refused, growth stages,
and the precision probe of a Z-only model."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import load_model
from ganstudio.engine.device import CPU_RUNTIME
from ganstudio.engine.latent_spec import DirectionEdit, LatentRender, LatentSource, NoiseSettings
from ganstudio.engine.model_cache import ReadyModel
from ganstudio.engine.precision_probes import probe_for
from ganstudio.engine.z_latent import ZLatentSession
from ganstudio.models.stylegan2 import z_from_seed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def pgan() -> ZLatentSession:
    ready = ReadyModel(load_model(FIXTURES / "progan" / "pgan_s2.pt"), CPU_RUNTIME, key=1)
    return ZLatentSession(ready, CPU_RUNTIME)


def render(*sources: tuple[int, float], **extra) -> LatentRender:  # type: ignore[no-untyped-def]
    return LatentRender(blend=tuple((LatentSource.from_seed(seed), weight) for seed, weight in sources), **extra)


def test_a_seed_renders_the_generator_of_that_z(pgan: ZLatentSession) -> None:
    z = pgan.final_ws(render((7, 1.0)))
    assert z.shape == (1, 1, 12)
    np.testing.assert_allclose(z[0, 0].numpy(), z_from_seed(7, 12)[0], rtol=1e-6)
    with torch.no_grad():
        expected = pgan.model.module(torch.from_numpy(z_from_seed(7, 12)).float()).clamp(-1, 1)
    image = pgan.synthesize(z, NoiseSettings())
    assert np.abs(image.astype(int) - ((expected[0].permute(1, 2, 0) + 1) * 127.5).round().numpy()).max() <= 1


def test_the_pad_blends_in_z(pgan: ZLatentSession) -> None:
    a, b = pgan.final_ws(render((1, 1.0))), pgan.final_ws(render((2, 1.0)))
    torch.testing.assert_close(pgan.final_ws(render((1, 3.0), (2, 1.0))), 0.75 * a + 0.25 * b)


def test_w_only_requests_are_refused_in_our_words(pgan: ZLatentSession) -> None:
    mixed = render((1, 1.0), mixing=(LatentSource.from_seed(2),), layer_sources=(1,))
    with pytest.raises(ValueError, match="style mixing needs a mapping network"):
        pgan.final_ws(mixed)
    edit = DirectionEdit(vector=np.ones(12, np.float32), amount=1.0, name="x")
    with pytest.raises(ValueError, match="direction edits needs a mapping network"):
        pgan.final_ws(render((1, 1.0), edits=(edit,)))
    with pytest.raises(ValueError, match=r"needs \[1, 12\]"):
        pgan.source_ws(LatentSource(w=np.zeros((2, 12), np.float32)), 1.0, None, 0)


def test_full_renders_carry_each_growth_stage_and_previews_do_not(pgan: ZLatentSession) -> None:
    from ganstudio.engine.latent_spec import LatentJob
    from ganstudio.engine.session import RunContext

    job, preview = LatentJob(render=render((3, 1.0))), LatentJob(render=render((3, 1.0)), preview=True)
    full = pgan.run(job, RunContext(job))
    assert [s.shape for s in full["stages"]] == [(64, 64, 3)] * 3  # 4, 8, 16 px each enlarged to 64
    assert "stages" not in pgan.run(preview, RunContext(preview))
    assert full["image"].shape == (16, 16, 3)


def test_precision_probe_renders_the_first_seeds() -> None:
    ready = ReadyModel(load_model(FIXTURES / "dcgan" / "netG_epoch_2.pth"), CPU_RUNTIME, key=1)
    pictures = probe_for(ready)()
    assert len(pictures) >= 2 and pictures[0].shape == (64, 64, 3) and not np.array_equal(pictures[0], pictures[1])
