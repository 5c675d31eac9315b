"""FindDirectionsJob through the JobRunner: SeFa and cached GANSpace answer with a DirectionSet."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from stylegan_models import save_tiny_stylegan2, tiny_stylegan2

from ganstudio.document.direction_sets import DirectionSet, file_sha256
from ganstudio.engine import directions as D
from ganstudio.engine.direction_jobs import FindDirectionsJob
from ganstudio.engine.directions_session import DirectionsSession
from ganstudio.engine.jobs import Progress
from ganstudio.engine.runner import JobRunner
from ganstudio.engine.session import Cancelled, CancelToken, RunContext

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_stylegan2(tmp_path_factory.mktemp("dj") / "sg2.safetensors", seed=4)


def test_sefa_job(model: Path) -> None:
    runner = JobRunner(device="cpu")
    result = runner.run(FindDirectionsJob(model_path=str(model), method="sefa", layers="coarse", count=4))
    found = result.outputs["directions"]
    assert isinstance(found, DirectionSet) and len(found) == 4
    expected = D.sefa(tiny_stylegan2(seed=4).eval(), "coarse", count=4)
    np.testing.assert_allclose(np.stack([d.vector for d in found.directions]), expected.directions, atol=1e-5)
    np.testing.assert_allclose(result.outputs["strengths"], expected.eigenvalues, rtol=1e-5)
    assert all((d.first_ws, d.last_ws, d.slider, d.kind) == (0, 1, 15.0, "sefa") for d in found.directions)
    assert found.model_sha256 == file_sha256(model)


def test_ganspace_job_reports_progress_uses_the_cache_and_cancels(model: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DirectionsSession, "cache_dir", tmp_path / "cache")
    runner = JobRunner(device="cpu")
    seen: list[Progress] = []
    job = FindDirectionsJob(model_path=str(model), method="ganspace", layers=(2, 5), count=3, samples=9000)
    result = runner.run(job, RunContext(job, report=seen.append))
    found = result.outputs["directions"]
    assert [(d.first_ws, d.last_ws, d.kind) for d in found.directions] == [(2, 5, "ganspace")] * 3
    assert [d.slider for d in found.directions] == pytest.approx(3 * result.outputs["strengths"])
    assert [p.done for p in seen] == [4096, 8192, 9000] and len(list((tmp_path / "cache").glob("*.npz"))) == 1

    token = CancelToken()
    token.cancel()
    other = FindDirectionsJob(model_path=str(model), method="ganspace", samples=5000, seed=7)
    with pytest.raises(Cancelled):
        runner.run(other, RunContext(other, cancel=token))
    again = FindDirectionsJob(model_path=str(model), method="ganspace", layers=(2, 5), count=3, samples=9000)
    seen.clear()
    cached = runner.run(again, RunContext(again, report=seen.append)).outputs["directions"]
    assert not seen  # read from the cache: no sampling
    np.testing.assert_array_equal(cached.directions[0].vector, found.directions[0].vector)


def test_a_model_without_a_latent_space_is_refused() -> None:
    runner = JobRunner(device="cpu")
    job = FindDirectionsJob(model_path=str(REPO / "resources" / "models" / "summer2winter-cyclegan.safetensors"))
    with pytest.raises(ValueError, match="no latent space"):
        runner.run(job)


def test_job_checks_its_fields() -> None:
    with pytest.raises(ValueError, match="method"):
        FindDirectionsJob(method="ica")
    with pytest.raises(ValueError, match="count"):
        FindDirectionsJob(count=0)
    assert FindDirectionsJob(layers=[1, 2]).layers == (1, 2)
