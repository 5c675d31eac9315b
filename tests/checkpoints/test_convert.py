"""`ganstudio-convert` turns official files into native ones that give the same output."""
from __future__ import annotations

import lzma
from pathlib import Path

import torch

from ganstudio.checkpoints import load_model
from ganstudio.checkpoints.convert import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def official(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name.replace(".xz", "")
    target.write_bytes(lzma.decompress((FIXTURES / "spade" / name).read_bytes()))
    return target


def test_spade_generator_and_encoder_become_one_native_file(tmp_path: Path, capsys) -> None:
    generator = official(tmp_path, "more_vae_net_G.pth.xz")
    encoder = official(tmp_path, "encoder_net_E.pth.xz")
    out = tmp_path / "spade.safetensors"
    code = main([str(generator), str(out), "--crop-size", "64", "--upsampling", "more", "--encoder", str(encoder), "--half"])
    assert code == 0, capsys.readouterr().err
    native = load_model(out)
    assert native.arch == "spade" and set(native.parts) == {"encoder"}
    assert native.config["crop_size"] == 64

    data = torch.load(FIXTURES / "spade" / "more_vae_io.pt", weights_only=True)
    reference = load_model(generator, **data["hints"])
    seg = data["seg"].float()
    with torch.no_grad():
        expected = reference.module(seg, z=data["z"])
        got = native.module(seg, z=data["z"])
    # float16 storage: close, not bit-exact
    assert (got - expected).norm() / expected.norm() < 5e-3

    enc_data = torch.load(FIXTURES / "spade" / "encoder_io.pt", weights_only=True)
    with torch.no_grad():
        mu, _ = native.parts["encoder"].module(enc_data["images"])
    assert (mu - enc_data["mu"]).norm() / enc_data["mu"].norm() < 5e-3


def test_unusable_file_gives_a_message_and_exit_code(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "latest_net_G.pth"
    bad.write_bytes(b"\x00" * 64)
    assert main([str(bad)]) == 2
    err = capsys.readouterr().err
    assert "latest_net_G.pth" in err and "Traceback" not in err
    assert not (tmp_path / "latest_net_G.safetensors").exists()
