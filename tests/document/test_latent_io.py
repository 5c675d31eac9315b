"""Latent .npz files (NVIDIA projector layout) and GIF animations."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.document.errors import DocumentError, FileReadError
from ganstudio.document.latent_io import read_latent_npz, write_gif, write_latent_npz


def test_npz_round_trips_w_in_the_projector_layout(tmp_path: Path) -> None:
    w = np.random.default_rng(0).standard_normal((1, 18, 512)).astype(np.float32)
    write_latent_npz(tmp_path / "w.npz", w, {"seed": np.int64(7)})
    with np.load(tmp_path / "w.npz") as data:
        assert data["w"].shape == (1, 18, 512) and int(data["seed"]) == 7
    np.testing.assert_array_equal(read_latent_npz(tmp_path / "w.npz", 18, 512), w)
    np.savez(tmp_path / "plain.npz", w=w[0].astype(np.float64))  # [num_ws, w_dim] is accepted too
    np.testing.assert_array_equal(read_latent_npz(tmp_path / "plain.npz", 18, 512), w)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"w": np.zeros((1, 14, 512), np.float32)}, r"shape \[1, 14, 512\], but the current model needs \[1, 18, 512\]"),
        ({"w": np.zeros((2, 18, 512), np.float32)}, r"shape \[2, 18, 512\]"),
        ({"z": np.zeros((1, 512), np.float32)}, r"no array named 'w' in it \(found z\)"),
        ({"w": np.zeros((1, 18, 512), np.int32)}, r"holds int32 values"),
        ({"w": np.full((1, 18, 512), np.nan, np.float32)}, r"NaN"),
    ],
)
def test_wrong_latent_files_get_clear_messages(tmp_path: Path, arrays, message) -> None:  # type: ignore[no-untyped-def]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(FileReadError, match=message) as info:
        read_latent_npz(tmp_path / "bad.npz", 18, 512)
    assert str(info.value).startswith("bad.npz: ")


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(FileReadError, match="not a readable .npz"):
        read_latent_npz(tmp_path / "junk.npz")
    with pytest.raises(FileReadError, match="file not found"):
        read_latent_npz(tmp_path / "missing.npz")
    with pytest.raises(DocumentError, match="shape"):
        write_latent_npz(tmp_path / "x.npz", np.zeros(5))


def test_gif_has_every_frame(tmp_path: Path) -> None:
    frames = [np.full((8, 8, 3), value, np.uint8) for value in (0, 128, 255)]
    write_gif(tmp_path / "a.gif", frames, frame_ms=40)
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 3 and gif.info.get("loop") == 0
        gif.seek(1)
        assert np.asarray(gif.convert("RGB"))[0, 0].tolist() == [128, 128, 128]
    with pytest.raises(DocumentError):
        write_gif(tmp_path / "b.gif", [])
