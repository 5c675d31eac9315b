"""The text-to-image evaluation runs on a trained file and scores what it should: a model that ignores its text
does no better than the other-caption baseline, and the real photos score their own captions."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_text_recipes import captioned_data, text_args
from train_helpers import recipe_class

from ganstudio.checkpoints import load_model
from trainer.evaluation.context import EvalContext, Settings
from trainer.evaluation.report import headline
from trainer.evaluation.text_to_image import (
    LandscapeJudge,
    _other_caption,
    evaluate_text_to_image,
    heldout_landscapes,
)
from trainer.loop import run_recipe
from trainer.synthetic import captions


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("t2i-eval")
    data = captioned_data(root / "data")
    result = run_recipe(recipe_class("gan_int_cls"), text_args("gan_int_cls", data, root / "run", iters=2))
    return result.export_path


def test_evaluation_reports_mentions_baseline_and_frechet(model_path: Path, tmp_path: Path) -> None:
    ctx = EvalContext(Settings.tiny(tmp_path / "cache"))
    ev = evaluate_text_to_image("tiny-t2i", load_model(model_path), ctx)
    f = ev.figures
    assert ev.kind == "text_to_image" and f["captions"] > 0
    for key in ("mentioned_present", "baseline_other_caption", "real_photos"):
        assert 0.0 <= f[key] <= 1.0
    assert set(f["per_kind"]) >= {"season", "time"}
    assert len(f["frechet"]) == 2 and all(np.isfinite(v) for v in f["frechet"].values())
    assert ev.grid.ndim == 3 and ev.grid.dtype == np.uint8
    assert any(k.startswith("landscape-look") for k in ctx.measurements)
    assert headline(ev).startswith(f"caption's mentions seen {100 * f['mentioned_present']:.1f} %")


def test_heldout_captions_are_heldout_combinations() -> None:
    images, facts, texts = heldout_landscapes(32, 9001, 60)
    assert len(images) == len(facts) == len(texts) > 0
    assert all(captions.landscape_split(f) == "heldout" for f in facts)


def test_checks_follow_the_pictures_seen() -> None:
    facts = [{"season": "winter", "time": "dusk", "mountains": True, "snowy_peaks": False, "water": "left", "trees": None,
              "beach": False, "rocks": False, "sky": None}] * 2
    seen = {"fractions": np.zeros((2, 9)), "season": np.array([2, 0]), "time": np.array([1, 1])}
    seen["fractions"][0, 2] = 0.2  # mountain
    seen["fractions"][0, 7] = 0.1  # water
    checks = LandscapeJudge.checks(seen, facts)
    assert checks == {"mountain": [True, False], "water": [True, False], "season": [True, False], "time": [True, True]}
    order = _other_caption(5, np.random.default_rng(1))
    assert sorted(order) == list(range(5)) and all(order[i] != i for i in range(5))
