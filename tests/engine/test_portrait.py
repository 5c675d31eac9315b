"""Encoding an aligned face into the explorer's StyleGAN2: the bundled encoder through the runner, a file's own encoder part."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.checkpoints import load_model
from ganstudio.document.face_align import ffhq_square
from ganstudio.engine.device import Runtime
from ganstudio.engine.faces import detect_faces, warp_face
from ganstudio.engine.portrait import EncodeFaceJob, PortraitSession, encode_face
from ganstudio.engine.projection import psnr
from ganstudio.engine.runner import JobRunner
from ganstudio.engine.session import RunContext

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "resources" / "models" / "landscape-stylegan2.safetensors"
ENCODER = ROOT / "resources" / "models" / "landscape-stylegan2-encoder.safetensors"
FACE = ROOT / "tests" / "fixtures" / "faces" / "astronaut.jpg"

pytestmark = pytest.mark.skipif(not ENCODER.exists(), reason="the bundled StyleGAN2 encoder is not in this checkout")


@pytest.fixture(scope="module")
def aligned_face() -> np.ndarray:
    photo = np.asarray(Image.open(FACE).convert("RGB"))
    return warp_face(photo, ffhq_square(detect_faces(photo)[0].points), 64)


def test_the_runner_encodes_an_aligned_face_with_the_encoder_file(aligned_face: np.ndarray) -> None:
    result = JobRunner(device="cpu").run(EncodeFaceJob(face=aligned_face, encoder_path=str(ENCODER), model_path=str(MODEL)))
    gen = load_model(MODEL).module
    ws, image = result.outputs["ws"], result.outputs["image"]
    assert ws.shape == (int(gen.num_ws), int(gen.w_dim)) and image.shape == (64, 64, 3)
    # the picture is the generator's drawing of those ws with its constant noise, and its PSNR is the face's
    with torch.no_grad():
        again = gen.synthesis(torch.from_numpy(ws)[None], noise_mode="const")
    expected = ((again[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    assert np.abs(image.astype(int) - expected).max() <= 1
    assert result.outputs["psnr"] == pytest.approx(psnr(image, aligned_face))


def test_a_face_of_another_size_or_kind_is_refused(aligned_face: np.ndarray) -> None:
    gen, encoder = load_model(MODEL).module, load_model(ENCODER).module
    with pytest.raises(ValueError, match="this model draws 64x64"):
        encode_face(gen, encoder, np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="RGB uint8"):
        EncodeFaceJob(face=aligned_face.astype(np.float32), encoder_path=str(ENCODER))
    with pytest.raises(ValueError, match="encoder file"):
        EncodeFaceJob(face=aligned_face, encoder_path="")


def test_a_generator_file_with_an_encoder_part_encodes_with_that_part(aligned_face: np.ndarray) -> None:
    """e4e/pSp files hold the decoder and the encoder: asking for the model's own file uses its "encoder" part."""
    gen = load_model(MODEL)
    encoder = load_model(ENCODER).module
    calls: list[str] = []

    def part(name: str):  # type: ignore[no-untyped-def]
        calls.append(name)
        return (encoder, Runtime(torch.device("cpu"))) if name == "encoder" else None

    model = SimpleNamespace(loaded=gen, module=gen.module, part=part)
    session = PortraitSession(model, Runtime(torch.device("cpu")))  # type: ignore[arg-type]
    job = EncodeFaceJob(face=aligned_face, encoder_path=str(MODEL), model_path=str(MODEL))
    with torch.inference_mode():
        out = session.run(job, RunContext(job))
    assert calls == ["encoder"]
    expected = encode_face(gen.module, encoder, aligned_face)
    assert np.allclose(out["ws"], expected["ws"], atol=1e-5)
