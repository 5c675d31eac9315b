"""`ganstudio-project`: writes a latent the app reads, prints the PSNR, and says clearly what is wrong with bad inputs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from stylegan_models import save_tiny_stylegan2, tiny_stylegan2

from ganstudio.document.latent_io import read_latent_npz
from ganstudio.engine import projection as P
from ganstudio.engine.projection_cli import main


@pytest.fixture(autouse=True)
def one_thread() -> object:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)  # the command sets the worker's thread count


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_stylegan2(tmp_path_factory.mktemp("cli") / "tiny.safetensors", seed=3)


def test_projects_a_photo_to_an_npz(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gen = tiny_stylegan2(seed=3)
    with torch.no_grad():
        image = P.to_uint8(gen(torch.randn(1, gen.z_dim, generator=torch.Generator().manual_seed(1)), None))
    # a wider photo: the command takes its centred square
    photo = np.zeros((32, 48, 3), np.uint8)
    photo[:, 8:40] = image
    Image.fromarray(photo).save(tmp_path / "photo.png")
    out = tmp_path / "latent.npz"
    assert main([str(model), str(tmp_path / "photo.png"), "--out", str(out), "--steps", "30", "--w-plus"]) == 0
    printed = capsys.readouterr().out
    assert "PSNR" in printed and "after 30 steps" in printed
    w = read_latent_npz(out, gen.num_ws, gen.w_dim)
    assert w.shape == (1, gen.num_ws, gen.w_dim)
    with np.load(out) as data:
        assert float(data["psnr"]) > 10


def test_bad_inputs_give_a_message_not_a_traceback(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.png").write_bytes(b"not a png")
    assert main([str(model), str(tmp_path / "broken.png"), "--out", str(tmp_path / "a.npz")]) == 2
    assert "cannot read the image" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.safetensors"), str(tmp_path / "broken.png"), "--out", str(tmp_path / "a.npz")]) == 2
    assert "cannot load the model" in capsys.readouterr().err

    from translation_models import save_pix2pix

    p2p = save_pix2pix(tmp_path / "p2p.safetensors")
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "ok.png")
    assert main([str(p2p), str(tmp_path / "ok.png"), "--out", str(tmp_path / "a.npz")]) == 2
    err = capsys.readouterr().err
    assert "no latent space" in err and "Traceback" not in err
    assert main([str(model), str(tmp_path / "ok.png"), "--out", str(tmp_path / "a.npz"), "--steps", "0"]) == 2
    assert not (tmp_path / "a.npz").exists()


BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "models"


@pytest.mark.skipif(not (BUNDLED / "landscape-stylegan2-encoder.safetensors").is_file(), reason="no bundled encoder")
def test_the_bundled_encoder_gives_the_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The encoder's guess alone (one step at learning rate 0) already redraws the model's own picture closely."""
    from ganstudio.checkpoints import load_model
    from ganstudio.models.stylegan2 import z_from_seed

    gen = load_model(BUNDLED / "landscape-stylegan2.safetensors").module
    with torch.no_grad():
        image = P.to_uint8(gen(torch.from_numpy(z_from_seed(90_000, gen.z_dim)).float(), None))
    Image.fromarray(image).save(tmp_path / "seed.png")
    out = tmp_path / "latent.npz"
    args = [str(BUNDLED / "landscape-stylegan2.safetensors"), str(tmp_path / "seed.png"), "--out", str(out), "--steps", "1",
            "--w-plus", "--quiet"]
    assert main(args + ["--encoder", str(BUNDLED / "landscape-stylegan2-encoder.safetensors")]) == 0
    with np.load(out) as data:
        with_encoder = float(data["psnr"])
    assert main(args) == 0
    with np.load(out) as data:
        from_mean = float(data["psnr"])
    assert with_encoder > 18 and with_encoder > from_mean + 3, (with_encoder, from_mean)
    assert main(args + ["--encoder", str(BUNDLED / "landscape-stylegan2.safetensors")]) == 2  # a generator is no encoder
    assert "does not map images to ws" in capsys.readouterr().err
