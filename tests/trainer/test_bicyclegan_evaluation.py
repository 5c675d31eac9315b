"""trainer.evaluation.multimodal.evaluate_bicyclegan: the page's figures from a tiny stand-in beside a tiny pix2pix default."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import load_model, save_model
from ganstudio.models.bicyclegan import BicycleGenerator, ResNetEncoder
from ganstudio.models.pix2pix import UnetGenerator
from trainer.evaluation import multimodal
from trainer.evaluation.context import EvalContext, Settings


@pytest.mark.slow
def test_page_figures_from_a_tiny_stand_in(tmp_path: Path) -> None:
    torch.manual_seed(0)
    G = BicycleGenerator(ngf=2, nz=4, num_downs=6)
    E = ResNetEncoder(nef=2, nz=4, n_blocks=3)
    save_model(G, tmp_path / "landscape-bicyclegan.safetensors", parts={"encoder": E}, resolution=64, provenance={"iterations": 3})
    save_model(UnetGenerator(ngf=2, num_downs=6), tmp_path / multimodal.PIX2PIX_DEFAULT, resolution=64)
    model = load_model(tmp_path / "landscape-bicyclegan.safetensors")
    evaluation = multimodal.evaluate_bicyclegan("stand-in", model, EvalContext(Settings.tiny(tmp_path / "cache")))
    figures = evaluation.figures
    assert {"stand-in (random style)", "stand-in (style encoded from the ground truth)",
            "pix2pix default (landscape-pix2pix, summer day only)", "baseline: class-mean colours"} <= set(figures)
    assert figures["diversity"]["model"] > 0 and figures["diversity"]["data"] > 0 and figures["diversity"]["pix2pix"] == 0.0
    recovery = figures["style_recovery"]
    assert recovery["z_l1"] >= 0 and recovery["z_l1_chance"] > 0
    assert len(evaluation.tables) == 3 and evaluation.heldout_set.startswith("3 label maps, 64 px")
    assert evaluation.grid.shape[1] > evaluation.grid.shape[0]


def test_without_its_encoder_the_page_leaves_the_style_figures_out(tmp_path: Path) -> None:
    torch.manual_seed(1)
    save_model(BicycleGenerator(ngf=1, nz=2, num_downs=6), tmp_path / "alone.safetensors", resolution=64)
    evaluation = multimodal.evaluate_bicyclegan("alone", load_model(tmp_path / "alone.safetensors"), EvalContext(Settings.tiny(tmp_path / "c")))
    assert "style_recovery" not in evaluation.figures and "alone (style encoded from the ground truth)" not in evaluation.figures
    assert len(evaluation.tables) == 2
