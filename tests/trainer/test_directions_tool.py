"""trainer.directions: its colour scores measure what the synthetic renderer drew, and the CLI writes a
direction set the app can read."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from stylegan_models import save_tiny_stylegan2

from ganstudio.document.direction_sets import file_sha256, read_direction_set
from trainer import directions as T
from trainer.synthetic.landscapes import CLOUD, render_batch

REPO = Path(__file__).resolve().parents[2]
N = 24


def renders(season: str, time_of_day: str) -> tuple[np.ndarray, np.ndarray]:
    seeds = list(range(N))
    return render_batch(seeds, [s + 1000 for s in seeds], 64, [season] * N, [time_of_day] * N)


def ranked_above(a: np.ndarray, b: np.ndarray) -> float:
    """P(a score of `a` > one of `b`), ties counting half: 1 means the score always tells them apart."""
    return float((a[:, None] > b[None, :]).mean() + 0.5 * (a[:, None] == b[None, :]).mean())


@pytest.fixture(scope="module")
def photos() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {name: renders(*name.split("-")) for name in ("summer-day", "winter-day", "autumn-day", "summer-night", "summer-dusk")}


def test_scores_separate_what_the_renderer_drew(photos: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    summer, winter, autumn = photos["summer-day"][1], photos["winter-day"][1], photos["autumn-day"][1]
    night, dusk = photos["summer-night"][1], photos["summer-dusk"][1]
    assert ranked_above(T.score_snow(winter), T.score_snow(summer)) > 0.95
    assert ranked_above(T.score_green(summer), T.score_green(winter)) > 0.95
    assert ranked_above(T.score_autumn(autumn), T.score_autumn(summer)) > 0.9
    assert ranked_above(T.score_brightness(summer), T.score_brightness(night)) > 0.95
    assert ranked_above(T.score_dusk(dusk), T.score_dusk(summer)) > 0.95
    labels = photos["summer-day"][0]
    cloud_share = (labels == CLOUD).reshape(N, -1).mean(axis=1)
    assert np.corrcoef(cloud_share, T.score_clouds(summer))[0, 1] > 0.8


def test_cli_writes_a_readable_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = save_tiny_stylegan2(tmp_path / "tiny.safetensors", seed=2)
    out, report = tmp_path / "dirs.npz", tmp_path / "report.json"
    code = T.main([str(model), "--out", str(out), "--samples", "80", "--check", "8", "--only", "brightness", "dusk",
                   "--fraction", "0.25", "--sefa", "3", "--ganspace", "2", "--ganspace-samples", "200", "--report", str(report)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed and "right way" in printed
    result = read_direction_set(out)
    assert (result.num_ws, result.w_dim) == (8, 32)
    assert result.model_sha256 == file_sha256(model)
    kinds = [d.kind for d in result.directions]
    assert kinds.count("sefa") == 3 and kinds.count("ganspace") == 2
    for direction in result.directions:
        assert abs(float(np.linalg.norm(direction.vector)) - 1) < 1e-4
        if direction.kind == "attribute":
            assert (direction.first_ws, direction.last_ws) == (0, 7) and direction.slider > 0
    assert report.is_file()


def test_cli_refuses_a_model_without_a_latent_space(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = T.main([str(REPO / "resources" / "models" / "summer2winter-cyclegan.safetensors"), "--out", str(tmp_path / "x.npz")])
    assert code == 2
    assert "no W space" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()
