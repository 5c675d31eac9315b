"""trainer.evaluation.multimodal: the generic measures on constructed cases, and a MUNIT / UNIT page from tiny stand-ins
(beside a tiny CycleGAN, which the page compares with)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import load_model, save_model
from ganstudio.models.cyclegan import ResnetGenerator
from ganstudio.models.munit import AdaINGen
from ganstudio.models.unit import VAEGen
from trainer.evaluation import multimodal
from trainer.evaluation.context import EvalContext, Settings
from trainer.evaluation.report import headline


def test_diversity_is_zero_for_identical_outputs_and_the_mean_level_difference_otherwise():
    same = np.full((3, 2, 4, 4, 3), 100, np.uint8)
    assert multimodal.diversity(same) == 0.0
    draws = same.copy()
    draws[1] += 10  # one draw 10 levels off: pairs (0,1) and (1,2) differ by 10, (0,2) by 0
    assert multimodal.diversity(draws) == pytest.approx(20 / 3)


def test_colour_distance_compares_channel_means_and_deviations():
    flat = np.full((1, 4, 4, 3), 50, np.uint8)
    brighter = flat + 30
    assert multimodal.colour_distance(flat, flat) == 0.0
    assert multimodal.colour_distance(flat, brighter) == pytest.approx(30 * np.sqrt(3))
    striped = flat.copy()
    striped[:, ::2] = 150  # same pixels half the time: mean +50, deviation 50 per channel
    assert multimodal.colour_distance(flat, striped) == pytest.approx(np.sqrt(3 * 50**2 + 3 * 50**2))


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["munit", "unit"])
def test_page_figures_from_tiny_stand_ins(tmp_path: Path, arch: str):
    torch.manual_seed(0)
    if arch == "munit":
        a, b = (AdaINGen(dim=2, style_dim=4, n_downsample=2, n_res=1, mlp_dim=4) for _ in range(2))
    else:
        a, b = (VAEGen(dim=2, n_downsample=2, n_res=1) for _ in range(2))
    save_model(a, tmp_path / f"summer2winter-{arch}.safetensors", parts={"domain_b": b}, resolution=16, provenance={"iterations": 3})
    save_model(ResnetGenerator(ngf=2, n_blocks=1), tmp_path / multimodal.CYCLEGAN_DEFAULT, parts={"reverse": ResnetGenerator(ngf=2, n_blocks=1)},
               resolution=16)
    model = load_model(tmp_path / f"summer2winter-{arch}.safetensors")
    ctx = EvalContext(Settings.tiny(tmp_path / "cache"))
    evaluation = getattr(multimodal, f"evaluate_{arch}")("stand-in", model, ctx)
    figures = evaluation.figures
    assert "CycleGAN default (summer2winter-cyclegan)" in figures and "stand-in" in figures
    assert figures["baseline: identity"]["cycle_summer"] == 0.0
    if arch == "munit":
        assert figures["diversity"]["diversity_s_to_w"] > 0  # random styles give different images even untrained
        transfer = figures["style_transfer"]
        assert set(transfer) == {"input", "random_style", "reference_style", "cyclegan"}
        assert len(evaluation.tables) == 2 and evaluation.grid.shape[1] > evaluation.grid.shape[0]
    else:
        assert "diversity" not in figures and len(evaluation.tables) == 1
    line = headline(evaluation)
    assert line.startswith("season reached") and "CycleGAN default" in line and ("diversity" in line) == (arch == "munit")
