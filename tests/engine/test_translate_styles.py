"""The conversion session with a style: variants, style numbers, explicit codes, reference images, tiles, folders."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.document.image_io import read_image_settings
from ganstudio.engine.jobs import Progress
from ganstudio.engine.runner import JobRunner
from ganstudio.engine.session import CancelToken, RunContext
from ganstudio.engine.translate import ConvertFolderJob, ConvertJob, ConvertOptions, EncodeStyleJob, StyleVariantsJob
from styled_models import styled_model
from translation_models import smooth_image


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return styled_model(tmp_path_factory.mktemp("m"))


@pytest.fixture(scope="module")
def runner() -> JobRunner:
    return JobRunner(device="cpu", threads=1)


def _convert(runner: JobRunner, model: Path, image: np.ndarray, **options) -> dict:  # type: ignore[no-untyped-def]
    return dict(runner.run(ConvertJob(image=image, model_path=str(model), options=ConvertOptions(**options))).outputs)


def test_style_numbers_and_codes_decide_the_output(runner: JobRunner, model: Path) -> None:
    image = smooth_image(40, 56)
    first = _convert(runner, model, image, style_seed=3)
    assert first["style_seed"] == 3 and first["style"].shape[0] >= 1
    np.testing.assert_array_equal(_convert(runner, model, image, style_seed=3)["image"], first["image"])
    other = _convert(runner, model, image, style_seed=4)
    assert np.abs(other["image"].astype(int) - first["image"].astype(int)).mean() > 0.5
    # the code a style number stands for gives the same picture when given explicitly
    explicit = _convert(runner, model, image, style=tuple(first["style"].tolist()))
    assert "style_seed" not in explicit
    np.testing.assert_array_equal(explicit["image"], first["image"])
    with pytest.raises(ValueError, match="style codes have"):
        _convert(runner, model, image, style=(0.0, 1.0, 2.0)[: max(1, first["style"].shape[0] - 1)])
    with pytest.raises(ValueError, match="finite"):
        ConvertOptions(style=(float("nan"),))


def test_a_variant_strip_is_the_style_numbers_at_a_preview_size(runner: JobRunner, model: Path) -> None:
    image = smooth_image(90, 120)
    progress: list[Progress] = []
    job = StyleVariantsJob(image=image, model_path=str(model), first_seed=10, count=4, preview=64)
    out = runner.run(job, RunContext(job, report=progress.append)).outputs
    images, styles = out["images"], out["styles"]
    assert images.shape == (4, 48, 64, 3) and styles.shape[0] == 4
    assert progress[-1].done == progress[-1].total == 4
    pairwise = [np.abs(images[i].astype(int) - images[j].astype(int)).mean() for i in range(4) for j in range(i + 1, 4)]
    assert min(pairwise) > 0.5  # every variant differs from every other
    # variant i is style number first_seed + i
    full = _convert(runner, model, image, style_seed=12)
    np.testing.assert_allclose(full["style"], styles[2], atol=1e-6)
    # the batched strip gives what converting one variant alone gives
    small = smooth_image(48, 64)
    strip = runner.run(StyleVariantsJob(image=small, model_path=str(model), first_seed=10, count=4, preview=64)).outputs["images"]
    alone = _convert(runner, model, small, style_seed=12)["image"]
    assert np.abs(strip[2].astype(int) - alone.astype(int)).max() <= 1
    with pytest.raises(ValueError, match="number of variants"):
        runner.run(StyleVariantsJob(image=image, model_path=str(model), count=0))


def test_tiles_share_one_style_and_the_statistics(runner: JobRunner, model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ganstudio.engine.translate as translate

    image = smooth_image(300, 320)
    whole = _convert(runner, model, image, style_seed=5)
    assert whole["tiles"] == 1
    monkeypatch.setattr(translate, "WHOLE_IMAGE_PIXELS", 300 * 320 - 1)
    tiled = _convert(runner, model, image, style_seed=5)
    assert tiled["tiles"] > 1
    np.testing.assert_allclose(tiled["style"], whole["style"])
    diff = np.abs(tiled["image"].astype(int) - whole["image"].astype(int))[16:-16, 16:-16]
    assert diff.mean() < 1.0, diff.mean()


def test_a_preview_is_converted_small_and_scaled_back(runner: JobRunner, model: Path) -> None:
    image = smooth_image(200, 260)
    preview = _convert(runner, model, image, style_seed=1, preview=64)
    full = _convert(runner, model, image, style_seed=1)
    assert preview["image"].shape == full["image"].shape and preview["preview"] == 64
    assert np.abs(preview["image"].astype(int) - full["image"].astype(int)).mean() < 40


def test_a_reference_style_is_encoded_and_cached(runner: JobRunner, model: Path) -> None:
    reference = smooth_image(70, 90, seed=5)
    code = runner.run(EncodeStyleJob(image=reference, model_path=str(model))).outputs["style"]
    assert code.ndim == 1 and np.isfinite(code).all()
    again = runner.run(EncodeStyleJob(image=reference, model_path=str(model))).outputs["style"]
    np.testing.assert_array_equal(code, again)
    with pytest.raises(ValueError, match="too small"):
        runner.run(EncodeStyleJob(image=np.zeros((4, 4, 3), np.uint8), model_path=str(model)))


def _folder(tmp_path: Path, count: int) -> list[str]:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"img{i}.png"
        Image.fromarray(smooth_image(40, 48, seed=i)).save(path)
        paths.append(str(path))
    return paths


def test_folder_runs_record_the_style_and_repeat_byte_for_byte(runner: JobRunner, model: Path, tmp_path: Path) -> None:
    inputs = tuple(_folder(tmp_path, 3))
    runs = []
    for name in ("one", "two"):
        job = ConvertFolderJob(inputs=inputs, output_folder=str(tmp_path / name), template="{stem}.png", model_path=str(model),
                               options=ConvertOptions(style_seed=7))
        runs.append(runner.run(job).outputs["written"])
    for a, b in zip(*runs):
        assert Path(a).read_bytes() == Path(b).read_bytes()
    settings = read_image_settings(runs[0][0])
    assert settings["style_seed"] == 7 and settings["style_mode"] == "same" and len(settings["style"]) >= 1
    # the recorded code reproduces the output
    code = tuple(settings["style"])
    again = _convert(runner, model, np.asarray(Image.open(inputs[0]).convert("RGB")), style=code)
    np.testing.assert_array_equal(np.asarray(Image.open(runs[0][0]).convert("RGB")), again["image"])
    # one random style per image: style numbers seed + index, each written down
    job = ConvertFolderJob(inputs=inputs, output_folder=str(tmp_path / "each"), template="{stem}.png", model_path=str(model),
                           options=ConvertOptions(style_seed=7, style_mode="per_image", style=code))
    written = runner.run(job).outputs["written"]
    seeds = [read_image_settings(p)["style_seed"] for p in written]
    assert seeds == [7, 8, 9]
    assert [read_image_settings(p)["style_mode"] for p in written] == ["per_image"] * 3
    assert json.dumps(read_image_settings(written[1])["style"]) != json.dumps(settings["style"])


def test_cancel_between_tiles_with_a_style(runner: JobRunner, model: Path, tmp_path: Path) -> None:
    inputs = tuple(_folder(tmp_path, 3))
    token = CancelToken()
    job = ConvertFolderJob(inputs=inputs, output_folder=str(tmp_path / "out"), model_path=str(model),
                           options=ConvertOptions(style_seed=2, tile=16))

    def report(progress: Progress) -> None:
        if progress.done > 1000 + 100:
            token.cancel()

    out = runner.run(job, RunContext(job, token, report=report)).outputs
    assert out["cancelled"] and len(out["written"]) == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [Path(out["written"][0]).name]


def test_models_without_styles_keep_their_path(tmp_path: Path) -> None:
    from translation_models import save_cyclegan

    path = save_cyclegan(tmp_path / "c.safetensors", resolution=32)
    runner = JobRunner(device="cpu", threads=1)
    out = _convert(runner, path, smooth_image(32, 32), style_seed=3)
    assert "style" not in out
    with pytest.raises(ValueError, match="no styles"):
        runner.run(StyleVariantsJob(image=smooth_image(32, 32), model_path=str(path)))
    with pytest.raises(ValueError, match="cannot take a style"):
        runner.run(EncodeStyleJob(image=smooth_image(32, 32), model_path=str(path)))


def test_bicyclegan_converts_one_way_with_styles_and_encodes_only_with_its_encoder(runner: JobRunner, tmp_path: Path) -> None:
    from styled_models import bicyclegan_model

    image = smooth_image(70, 90)
    with_encoder = bicyclegan_model(tmp_path, encoder=True)
    a = _convert(runner, with_encoder, image, style_seed=0)
    b = _convert(runner, with_encoder, image, style_seed=1)
    assert a["image"].shape == (70, 90, 3) and np.abs(a["image"].astype(int) - b["image"].astype(int)).mean() > 0.25
    with pytest.raises(ValueError, match="one way only"):
        _convert(runner, with_encoder, image, direction="BtoA")
    code = runner.run(EncodeStyleJob(image=smooth_image(64, 64, seed=3), model_path=str(with_encoder))).outputs["style"]
    assert code.shape == (8,)
    without = bicyclegan_model(tmp_path, encoder=False)
    with pytest.raises(ValueError, match="cannot take a style"):
        runner.run(EncodeStyleJob(image=image, model_path=str(without)))


def test_unit_converts_both_ways_through_its_translator_without_styles(runner: JobRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ganstudio.engine.translate as translate
    from ganstudio.checkpoints import save_model
    from ganstudio.models.unit import VAEGen

    torch.manual_seed(0)
    path = save_model(VAEGen(dim=4, n_downsample=1, n_res=1), tmp_path / "unit.safetensors", parts={"domain_b": VAEGen(dim=4, n_downsample=1, n_res=1)}, resolution=32)
    image = smooth_image(90, 100)
    a2b = _convert(runner, path, image, style_seed=5)
    b2a = _convert(runner, path, image, direction="BtoA")
    assert "style" not in a2b and a2b["image"].shape == (90, 100, 3)
    assert np.abs(a2b["image"].astype(int) - b2a["image"].astype(int)).mean() > 0.5
    monkeypatch.setattr(translate, "WHOLE_IMAGE_PIXELS", 10)
    tiled = _convert(runner, path, image, tile=32)
    assert tiled["tiles"] > 1 and tiled["image"].shape == a2b["image"].shape
    with pytest.raises(ValueError, match="no styles"):
        runner.run(StyleVariantsJob(image=image, model_path=str(path)))


def test_bicyclegan_tiles_span_two_strides_of_its_unet(tmp_path: Path) -> None:
    from ganstudio.engine.model_cache import ModelCache
    from ganstudio.engine.translate import TranslateSession
    from styled_models import bicyclegan_model

    ready = ModelCache().get(bicyclegan_model(tmp_path), "cpu")
    session = TranslateSession(ready, ready.runtime)
    module, _ = session.network("AtoB")
    assert module.size_multiple == 64 and session.tile_size(module) == 128  # InstanceNorm down to a 1x1 bottleneck
    assert session.tile_size(module, 64) == 64  # an explicit tile is kept
