"""EncodeJob: a photo through a pSp / e4e file's encoder, HyperStyle passes with progress and cancel, and the
Latent session rendering the result with its weight offsets."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from e4e_fixtures import TOLERANCE, checkpoint, fixture_io, rel_err

from ganstudio.checkpoints import load_model
from ganstudio.engine import encoders as E
from ganstudio.engine.jobs import Progress
from ganstudio.engine.latent_spec import LatentJob, LatentRender, LatentSource
from ganstudio.engine.runner import JobRunner
from ganstudio.engine.session import Cancelled, CancelToken, RunContext


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> object:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("encoders")
    return {name: checkpoint(folder, name) for name in ("e4e_64", "hyperstyle_128", "hyperstyle_128_w_encoder")}


def photo_u8(case: str) -> np.ndarray:
    return fixture_io(case)["pixels"][0].permute(1, 2, 0).numpy()


def test_job_checks_its_inputs() -> None:
    with pytest.raises(ValueError, match="RGB uint8"):
        E.EncodeJob(image=np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="passes"):
        E.EncodeJob(image=np.zeros((8, 8, 3), np.uint8), refine_passes=E.MAX_PASSES + 1)


def test_encode_with_the_files_own_encoder(files: dict[str, Path]) -> None:
    image = photo_u8("e4e_64")  # 64 px: resized to the encoders' 256 px input
    runner = JobRunner(device="cpu")
    job = E.EncodeJob(image=image, model_path=str(files["e4e_64"]))
    seen: list[Progress] = []
    result = runner.run(job, RunContext(job, report=seen.append)).outputs
    loaded = load_model(files["e4e_64"])
    with torch.no_grad():
        x = E.encoder_input(image)
        expected = loaded.parts["encoder"].module(x)[0]
    assert x.shape == (1, 3, 256, 256)
    assert result["ws"].shape == (10, 16) and result["ws"].dtype == np.float32
    assert rel_err(torch.from_numpy(result["ws"]), expected) <= TOLERANCE
    assert result["image"].shape == (64, 64, 3) and result["image"].dtype == np.uint8
    assert result["weight_offsets"] is None and result["passes"] == 0
    assert np.isfinite(result["psnr"])
    assert [p.done for p in seen] == [0, 1] and seen[-1].total == 1


def test_hyperstyle_passes_report_progress_and_render_in_the_latent_session(files: dict[str, Path]) -> None:
    io_data = fixture_io("hyperstyle_128")
    runner = JobRunner(device="cpu")
    job = E.EncodeJob(image=photo_u8("hyperstyle_128"), refine_passes=2, model_path=str(files["hyperstyle_128"]),
                      encoder_path=str(files["hyperstyle_128_w_encoder"]))
    seen: list[Progress] = []
    result = runner.run(job, RunContext(job, report=seen.append)).outputs
    assert [p.done for p in seen] == [0, 1, 2, 3] and {p.total for p in seen} == {3}
    assert "pass 2 of 2" in seen[-1].message
    # the photo is 256 px already: the reference's own passes
    assert rel_err(torch.from_numpy(result["ws"]), io_data["codes"][0]) <= TOLERANCE
    offsets = result["weight_offsets"]
    tuned = [i for i, d in enumerate(io_data["deltas"]) if d is not None]
    assert len(offsets.offsets) == len(tuned)
    assert rel_err(torch.from_numpy(offsets.offsets["synthesis.b128.conv0.weight"]), io_data["deltas"][14]) <= TOLERANCE
    last = ((io_data["images"][-1].clamp(-1, 1) + 1) * 127.5).round().permute(1, 2, 0).numpy()
    assert np.abs(result["image"].astype(int) - last).max() <= 1

    render = LatentRender(blend=((LatentSource(w=result["ws"], name="photo"), 1.0),), weight_offsets=offsets)
    drawn = runner.run(LatentJob(render=render, model_path=str(files["hyperstyle_128"]))).outputs["image"]
    assert np.abs(drawn.astype(int) - result["image"].astype(int)).max() <= 1
    plain = LatentRender(blend=((LatentSource(w=result["ws"], name="photo"), 1.0),))
    unrefined = runner.run(LatentJob(render=plain, model_path=str(files["hyperstyle_128"]))).outputs["image"]
    assert np.abs(unrefined.astype(int) - drawn.astype(int)).mean() > 1  # the offsets change the picture
    preview = runner.run(LatentJob(render=render, preview=True, model_path=str(files["hyperstyle_128"]))).outputs["image"]
    assert preview.shape == (64, 64, 3)


def test_cancel_between_passes(files: dict[str, Path]) -> None:
    runner = JobRunner(device="cpu")
    token = CancelToken()
    job = E.EncodeJob(image=photo_u8("hyperstyle_128"), refine_passes=5, model_path=str(files["hyperstyle_128"]),
                      encoder_path=str(files["hyperstyle_128_w_encoder"]))
    seen: list[int] = []

    def report(progress: Progress) -> None:
        seen.append(progress.done)
        if progress.done == 2:  # after the first pass
            token.cancel()

    with pytest.raises(Cancelled):
        runner.run(job, RunContext(job, cancel=token, report=report))
    assert seen == [0, 1, 2]


def test_refusals(files: dict[str, Path]) -> None:
    runner = JobRunner(device="cpu")
    image = photo_u8("e4e_64")
    with pytest.raises(ValueError, match="HyperStyle"):
        runner.run(E.EncodeJob(image=image, refine_passes=1, model_path=str(files["e4e_64"])))
    with pytest.raises(ValueError, match="no photo encoder"):
        runner.run(E.EncodeJob(image=image, model_path=str(files["hyperstyle_128"])))
    with pytest.raises(ValueError, match="needs"):  # a 10-ws encoder for a 12-ws generator
        runner.run(E.EncodeJob(image=image, model_path=str(files["hyperstyle_128"]), encoder_path=str(files["e4e_64"])))


def test_a_psp_e4e_file_starts_a_projection_from_its_encoder(files: dict[str, Path]) -> None:
    from ganstudio.engine.projection import encoder_start, load_encoder, to_tensor

    encoder = load_encoder(str(files["e4e_64"]))  # the part, not the file's generator
    assert type(encoder).__name__ == "GradualStyleEncoder"
    face = photo_u8("e4e_64")
    ws = encoder_start(encoder, to_tensor(face, "cpu"), 10, 16)
    with torch.no_grad():
        expected = load_model(files["e4e_64"]).parts["encoder"].module(torch.from_numpy(face).permute(2, 0, 1)[None] / 127.5 - 1)[0]
    assert rel_err(ws, expected) <= TOLERANCE
