"""DescribeJobs through the JobRunner, for both text-to-image families: deterministic seeds, blends, unknown words."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import save_model
from ganstudio.engine.describe_spec import DescribeJob
from ganstudio.engine.runner import JobRunner
from ganstudio.models.gan_int_cls import TextToImageGenerator
from ganstudio.models.gigagan import TextStyleGenerator

WORDS = ["a", "at", "dusk", "lake", "landscape", "night", "snowy", "winter"]
TEXT = {"word_dim": 8, "text_channels": 8, "text_dim": 8, "max_words": 12}


@pytest.fixture(scope="module", params=["gan_int_cls", "gigagan"])
def model(request, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    if request.param == "gan_int_cls":
        net = TextToImageGenerator(vocabulary=WORDS, **TEXT, z_dim=8, proj_dim=8, ngf=4, resolution=16)
    else:
        net = TextStyleGenerator(vocabulary=WORDS, **TEXT, z_dim=8, w_dim=8, map_layers=1, resolution=16, channel_base=64,
                                 channel_max=8, num_kernels=2, attn_max_res=8)
        for block in (net.image.b4, net.image.b8):
            block.attention.gain.data.fill_(1.0)  # trained models use it; zero (its start) would hide the words
    for p in net.text.parameters():
        p.data.normal_(0, 0.5)
    return save_model(net.eval(), tmp_path_factory.mktemp("m") / f"{request.param}.safetensors", resolution=16)


@pytest.fixture(scope="module")
def runner() -> JobRunner:
    return JobRunner(device="cpu", threads=1)


def run(runner: JobRunner, model: Path, **kwargs):  # type: ignore[no-untyped-def]
    return runner.run(DescribeJob(model_path=str(model), **kwargs)).outputs


def test_seeds_are_deterministic_and_words_matter(runner: JobRunner, model: Path) -> None:
    a = run(runner, model, prompt="a snowy landscape at dusk", seed=3, count=3)
    b = run(runner, model, prompt="a snowy landscape at dusk", seed=4, count=2)
    assert a["images"].shape == (3, 16, 16, 3) and a["images"].dtype == np.uint8
    assert np.array_equal(a["images"][1:], b["images"])  # sample k is seed + k
    assert np.allclose(a["latents"][0], np.random.RandomState(3).randn(8))
    c = run(runner, model, prompt="a lake at night", seed=3, count=1)
    assert not np.array_equal(a["images"][0], c["images"][0])
    assert a["unknown"] == [] and not a["empty"]


def test_blend_ends_are_the_two_sentences(runner: JobRunner, model: Path) -> None:
    first = run(runner, model, prompt="a snowy landscape")["images"][0].astype(int)
    second = run(runner, model, prompt="a lake at night")["images"][0].astype(int)
    assert np.abs(run(runner, model, prompt="a snowy landscape", other="a lake at night", mix=0.0)["images"][0] - first).max() == 0
    assert np.abs(run(runner, model, prompt="a snowy landscape", other="a lake at night", mix=1.0)["images"][0] - second).max() <= 1
    half = run(runner, model, prompt="a snowy landscape", other="a lake at night", mix=0.5)["images"][0].astype(int)
    assert np.abs(half - first).mean() > 0 and np.abs(half - second).mean() > 0


def test_unknown_words_are_reported_not_fatal(runner: JobRunner, model: Path) -> None:
    out = run(runner, model, prompt="a snowy zeppelin, a Lake!")
    assert out["unknown"] == ["zeppelin"] and not out["empty"]
    out = run(runner, model, prompt="xyzzy plugh")
    assert out["unknown"] == ["xyzzy", "plugh"] and out["empty"] and out["images"].shape == (1, 16, 16, 3)


def test_grid_size_is_checked(runner: JobRunner, model: Path) -> None:
    with pytest.raises(Exception, match="1 to 16"):
        runner.run(DescribeJob(model_path=str(model), prompt="a lake", count=17))
