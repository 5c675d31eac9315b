"""The conversion session: one image at any size, both CycleGAN directions, pix2pix modes, folders."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.document.image_io import read_photo
from ganstudio.engine.jobs import Progress
from ganstudio.engine.runner import JobRunner
from ganstudio.engine.session import CancelToken, RunContext
from ganstudio.engine.translate import ConvertFolderJob, ConvertJob, ConvertOptions
from translation_models import save_cyclegan, save_pix2pix, smooth_image


@pytest.fixture(scope="module")
def cyclegan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_cyclegan(tmp_path_factory.mktemp("m") / "tiny-cyclegan.safetensors", resolution=32)


@pytest.fixture(scope="module")
def pix2pix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_pix2pix(tmp_path_factory.mktemp("m") / "tiny-pix2pix.safetensors")


@pytest.fixture(scope="module")
def runner() -> JobRunner:
    return JobRunner(device="cpu")


def test_any_size_keeps_size_and_alpha_and_tiles(runner: JobRunner, cyclegan: Path) -> None:
    image = smooth_image(45, 77, alpha=True)  # odd sizes, larger than one 32 px tile
    result = runner.run(ConvertJob(image=image, model_path=str(cyclegan), options=ConvertOptions(tile=32)))
    out = result.outputs["image"]
    assert out.shape == (45, 77, 4) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., 3], image[..., 3])
    assert result.outputs["tiles"] > 1 and result.outputs["shared_statistics"]
    untiled = runner.run(ConvertJob(image=image, model_path=str(cyclegan), options=ConvertOptions(tiled=False))).outputs["image"]
    assert untiled.shape == out.shape


def test_cyclegan_directions_use_different_generators(runner: JobRunner, cyclegan: Path) -> None:
    image = smooth_image(32, 32)
    a2b = runner.run(ConvertJob(image=image, model_path=str(cyclegan))).outputs["image"]
    b2a = runner.run(ConvertJob(image=image, model_path=str(cyclegan), options=ConvertOptions(direction="BtoA"))).outputs["image"]
    assert np.abs(a2b.astype(int) - b2a.astype(int)).mean() > 1


def test_pix2pix_one_way_only_and_reference_mode_is_seeded(runner: JobRunner, pix2pix: Path) -> None:
    image = smooth_image(40, 50)
    with pytest.raises(ValueError, match="one way only"):
        runner.run(ConvertJob(image=image, model_path=str(pix2pix), options=ConvertOptions(direction="BtoA")))
    plain = runner.run(ConvertJob(image=image, model_path=str(pix2pix))).outputs
    assert plain["mode"] == "deterministic" and plain["image"].shape == (40, 50, 3)
    again = runner.run(ConvertJob(image=image, model_path=str(pix2pix))).outputs["image"]
    np.testing.assert_array_equal(plain["image"], again)
    ref1 = runner.run(ConvertJob(image=image, model_path=str(pix2pix), options=ConvertOptions(reference_mode=True, seed=3))).outputs
    ref2 = runner.run(ConvertJob(image=image, model_path=str(pix2pix), options=ConvertOptions(reference_mode=True, seed=3))).outputs
    ref3 = runner.run(ConvertJob(image=image, model_path=str(pix2pix), options=ConvertOptions(reference_mode=True, seed=4))).outputs
    assert ref1["mode"] == "reference-test"
    np.testing.assert_array_equal(ref1["image"], ref2["image"])
    assert np.abs(ref1["image"].astype(int) - ref3["image"].astype(int)).max() > 0  # dropout is on
    assert np.abs(ref1["image"].astype(int) - plain["image"].astype(int)).mean() > 1
    # the model is back in eval mode afterwards
    np.testing.assert_array_equal(runner.run(ConvertJob(image=image, model_path=str(pix2pix))).outputs["image"], plain["image"])


def _folder(tmp_path: Path, count: int) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    paths = []
    for i in range(count):
        path = folder / f"img{i}.png"
        Image.fromarray(smooth_image(40, 48, seed=i)).save(path)
        paths.append(path)
    return paths


def test_folder_conversion_skips_unreadable_files_and_never_overwrites_inputs(runner: JobRunner, cyclegan: Path, tmp_path: Path) -> None:
    inputs = _folder(tmp_path, 2)
    broken = inputs[0].parent / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    gray = inputs[0].parent / "gray.png"
    Image.fromarray(np.full((20, 30), 90, np.uint8), mode="L").save(gray)
    sources = [str(p) for p in (*inputs, broken, gray)]
    progress: list[Progress] = []
    job = ConvertFolderJob(inputs=tuple(sources), output_folder=str(inputs[0].parent), template="{stem}.png", model_path=str(cyclegan))
    outputs = runner.run(job, RunContext(job, report=progress.append)).outputs
    assert not outputs["cancelled"]
    assert [Path(s).name for s, _why in outputs["skipped"]] == ["broken.png"]
    assert "corrupt" in outputs["skipped"][0][1] or "not an image" in outputs["skipped"][0][1]
    assert sorted(Path(p).name for p in outputs["written"]) == ["gray (2).png", "img0 (2).png", "img1 (2).png"]
    assert read_photo(inputs[0]).pixels.shape == (40, 48, 3)  # the inputs are untouched
    assert outputs["notes"][str(gray)] == ["grayscale converted to RGB"]
    assert read_photo(outputs["written"][-1]).size == (30, 20)
    assert progress[-1].done <= progress[-1].total and progress[0].done == 0


def test_cancel_midway_leaves_complete_files_and_no_partial_one(runner: JobRunner, cyclegan: Path, tmp_path: Path) -> None:
    inputs = _folder(tmp_path, 4)
    out_dir = tmp_path / "out"
    token = CancelToken()
    job = ConvertFolderJob(inputs=tuple(str(p) for p in inputs), output_folder=str(out_dir), model_path=str(cyclegan), options=ConvertOptions(tile=32))

    def report(progress: Progress) -> None:
        # cancel in the middle of the third image, between two of its tiles
        if progress.done > 2 * 1000 + 100:
            token.cancel()

    outputs = runner.run(job, RunContext(job, token, report=report)).outputs
    assert outputs["cancelled"]
    assert len(outputs["written"]) == 2
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == sorted(Path(p).name for p in outputs["written"])  # no temp or half-written file
    for path in outputs["written"]:
        assert read_photo(path).size == (48, 40)


def test_the_out_of_memory_variant_tiles_smaller(runner: JobRunner, cyclegan: Path) -> None:
    from ganstudio.engine.model_cache import ModelCache
    from ganstudio.engine.translate import TranslateSession

    ready = ModelCache().get(cyclegan, "cpu")
    session = TranslateSession(ready, ready.runtime)
    job = ConvertJob(image=smooth_image(40, 40), model_path=str(cyclegan), options=ConvertOptions(tile=32, tiled=False))
    full = session.run(job, RunContext(job))
    cheaper = session.run_lower_cost(job, RunContext(job))
    assert full["tiles"] == 1 and cheaper["tile"] == 16 and cheaper["tiles"] > 1
    assert cheaper["image"].shape == full["image"].shape


def test_default_tile_gives_small_stride_networks_context(cyclegan: Path, pix2pix: Path) -> None:
    from ganstudio.engine.model_cache import ModelCache
    from ganstudio.engine.translate import CONTEXT_TILE, TranslateSession

    cache = ModelCache()
    resnet = TranslateSession(cache.get(cyclegan, "cpu"), cache.get(cyclegan, "cpu").runtime)
    module, _ = resnet.network("AtoB")
    assert resnet.tile_size(module) == CONTEXT_TILE  # trained at 32 px, stride 4
    assert resnet.tile_size(module, 48) == 48  # an explicit tile is kept
    unet_ready = cache.get(pix2pix, "cpu")
    unet = TranslateSession(unet_ready, unet_ready.runtime)
    module, _ = unet.network("AtoB")
    assert unet.tile_size(module) == module.size_multiple  # the U-Net's stride is its whole tile


def test_images_up_to_the_pixel_budget_run_whole_larger_ones_in_tiles(runner: JobRunner, cyclegan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ganstudio.engine.translate as translate

    image = smooth_image(300, 320)  # larger than the 256 px default tile
    whole = runner.run(ConvertJob(image=image, model_path=str(cyclegan))).outputs
    assert whole["tiles"] == 1 and whole["tile"] == 0
    monkeypatch.setattr(translate, "WHOLE_IMAGE_PIXELS", 300 * 320 - 1)
    tiled = runner.run(ConvertJob(image=image, model_path=str(cyclegan))).outputs
    assert tiled["tiles"] > 1 and tiled["tile"] == translate.CONTEXT_TILE and tiled["shared_statistics"]
    diff = np.abs(tiled["image"].astype(int) - whole["image"].astype(int))[16:-16, 16:-16]
    assert diff.mean() < 0.5  # tiles with shared statistics match the whole-image pass


def test_a_tiny_image_is_refused_with_a_message_and_a_folder_run_converts_the_rest(runner: JobRunner, cyclegan: Path, tmp_path: Path) -> None:
    from ganstudio.engine.translate import ConvertJob

    with pytest.raises(ValueError, match=r"1x1 pixels, too small to convert \(at least 8 pixels a side\)"):
        runner.run(ConvertJob(image=np.zeros((1, 1, 3), np.uint8), model_path=str(cyclegan)))
    eight = runner.run(ConvertJob(image=np.zeros((8, 9, 3), np.uint8), model_path=str(cyclegan))).outputs["image"]
    assert eight.shape == (8, 9, 3)  # the smallest size converts (padded to the network's multiple inside)
    inputs = _folder(tmp_path, 2)
    dot = inputs[0].parent / "dot.png"
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(dot)
    out = tmp_path / "out"
    job = ConvertFolderJob(inputs=(str(inputs[0]), str(dot), str(inputs[1])), output_folder=str(out), template="{stem}.png", model_path=str(cyclegan))
    outputs = runner.run(job).outputs
    assert sorted(Path(p).name for p in outputs["written"]) == ["img0.png", "img1.png"]
    assert [(Path(s).name, why) for s, why in outputs["skipped"]] == [("dot.png", "the image is 1x1 pixels, too small to convert (at least 8 pixels a side)")]
