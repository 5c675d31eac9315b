"""PaintingSession with OASIS: the noise state of the document decides the picture; region re-rolls stay local."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from oasis_spill import chessboard_reach, output_region
from ganstudio.checkpoints import load_model, save_model
from ganstudio.document.oasis_noise import NoiseState, Reroll
from ganstudio.engine.device import CPU_RUNTIME
from ganstudio.engine.model_cache import ReadyModel
from ganstudio.engine.painting import PaintJob, PaintingSession, oasis_reroll_spill, synthesizes_larger
from ganstudio.engine.session import RunContext
from ganstudio.models.oasis import OASISGenerator, reroll_noise

NUM_CLASSES = 5


def ready(loaded) -> ReadyModel:  # type: ignore[no-untyped-def]
    return ReadyModel(loaded, CPU_RUNTIME, key=id(loaded), part_runtimes={})


@pytest.fixture(scope="module")
def oasis_session(tmp_path_factory) -> PaintingSession:  # type: ignore[no-untyped-def]
    # 512 px wide: the re-roll's reach (222 px) leaves part of the picture out of it; cheap at 1 channel
    torch.manual_seed(3)
    gen = OASISGenerator(label_nc=NUM_CLASSES, contain_dontcare_label=False, channels_G=1, crop_size=512, param_free_norm_type="batch", spade_hidden=4)
    with torch.no_grad():  # random running statistics: the norms must still act per pixel
        for module in gen.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
        # random weights saturate tanh (every pixel 0 or 255, which hides changes): bring the output into its linear range
        gen.conv_img.bias.zero_()
        for _ in range(3):
            x = gen(gen.semantic_input(torch.randint(0, NUM_CLASSES, (1, 32, 512))), latent_hw=(1, 16))
            gen.conv_img.weight.mul_(0.5 / float(torch.atanh(x.clamp(-0.999, 0.999)).std()))
    path = tmp_path_factory.mktemp("m") / "oasis.safetensors"
    save_model(gen, path, labels=[{"name": f"c{i}", "color": [i * 40, 0, 0]} for i in range(NUM_CLASSES)], resolution=512)
    return PaintingSession(ready(load_model(path)), CPU_RUNTIME)


def strip_labels() -> np.ndarray:
    """64x1024 (1:16): class 3 in a small block at the left, class 1 elsewhere, class 2 in a band at the right."""
    labels = np.ones((64, 1024), np.uint8)
    labels[8:56, 16:80] = 3
    labels[:, 900:] = 2
    return labels


def style(state: NoiseState) -> dict:  # type: ignore[type-arg]
    return {"noise": state.to_style()}


def test_oasis_synthesizes_larger_and_keeps_the_document_aspect(oasis_session: PaintingSession) -> None:
    assert synthesizes_larger("oasis", oasis_session.generator.config)
    labels = strip_labels()
    assert oasis_session.synthesize(labels, style(NoiseState(1))).shape == (32, 512, 3)
    assert oasis_session.synthesize(labels, style(NoiseState(1)), preview=True).shape == (32, 256, 3)  # the grid keeps at least one row
    out = oasis_session.run(PaintJob(labels=labels, style=style(NoiseState(1)), latent_scale=2), RunContext(PaintJob(labels=labels)))
    assert out["image"].shape == (64, 1024, 3)


def test_same_noise_state_gives_the_same_picture_and_another_seed_another(oasis_session: PaintingSession) -> None:
    labels = strip_labels()
    state = NoiseState(7).with_reroll(Reroll(11, class_id=3))
    first = oasis_session.synthesize(labels, style(state))
    oasis_session.reset()  # rebuilt from scratch: the state alone decides the noise
    again = oasis_session.synthesize(labels, style(NoiseState(7).with_reroll(Reroll(11, class_id=3))))
    assert np.array_equal(first, again)
    other = oasis_session.synthesize(labels, style(NoiseState(8).with_reroll(Reroll(11, class_id=3))))
    assert np.abs(first.astype(int) - other.astype(int)).mean() > 1.0


def test_noise_map_is_the_reference_helpers_applied_in_order(oasis_session: PaintingSession) -> None:
    gen = oasis_session.generator
    labels = strip_labels()
    mask = np.zeros(labels.shape, bool)
    mask[:, 500:700] = True
    state = NoiseState(5).with_reroll(Reroll(6, class_id=1)).with_reroll(Reroll(9, mask=mask))
    built = oasis_session.oasis_noise(labels, state.to_style(), (32, 512))
    ids = torch.from_numpy(labels[::2, ::2].astype(np.int64))
    expected = gen.random_z(1, seed=5)
    expected = reroll_noise(expected, ids == 1, gen.random_z(1, seed=6))
    expected = reroll_noise(expected, torch.from_numpy(mask[::2, ::2]), gen.random_z(1, seed=9))
    assert torch.equal(built, expected)


def test_rerolling_one_class_changes_it_and_nothing_beyond_the_receptive_field(oasis_session: PaintingSession) -> None:
    labels = strip_labels()
    base = NoiseState(21)
    before = oasis_session.synthesize(labels, style(base)).astype(int)
    after = oasis_session.synthesize(labels, style(base.with_reroll(Reroll(22, class_id=3)))).astype(int)
    region = output_region(labels, 3, before.shape[:2])
    diff = np.abs(after - before).max(axis=2)
    assert diff[region].mean() > 2.0  # the re-rolled region looks different
    reach = chessboard_reach(region, diff > 0)
    bound = oasis_reroll_spill(oasis_session.generator.config)
    assert 0 < reach <= bound, (reach, bound)
    # the right part of the picture lies beyond the bound and is bit-identical (measured: 93 px of the 222 allowed)
    assert 40 + bound < before.shape[1] - 200
    assert np.array_equal(after[:, 40 + bound :], before[:, 40 + bound :])


def test_reroll_all_changes_everything_and_rerolls_of_an_absent_class_change_nothing(oasis_session: PaintingSession) -> None:
    labels = strip_labels()
    before = oasis_session.synthesize(labels, style(NoiseState(31))).astype(int)
    absent = oasis_session.synthesize(labels, style(NoiseState(31).with_reroll(Reroll(5, class_id=4)))).astype(int)
    assert np.array_equal(absent, before)
    everything = oasis_session.synthesize(labels, style(NoiseState(32))).astype(int)
    changed = np.abs(everything - before).max(axis=2) > 0
    assert changed.mean() > 0.95
    for cid in (1, 2, 3):  # every region, not just on average
        assert np.abs(everything - before).max(axis=2)[output_region(labels, cid, before.shape[:2])].mean() > 1.0


def test_noise_map_is_cached_by_state_and_rebuilt_only_when_it_must(oasis_session: PaintingSession) -> None:
    oasis_session.reset()
    labels = strip_labels()
    state = NoiseState(41)
    oasis_session.synthesize(labels, style(state))
    builds = oasis_session.noise_builds
    stroke = labels.copy()
    stroke[20:30, 300:400] = 3
    oasis_session.synthesize(stroke, style(state))  # a stroke with no class re-roll: the map is reused
    assert oasis_session.noise_builds == builds
    oasis_session.synthesize(stroke, style(state), preview=True)  # another size: its own map
    oasis_session.synthesize(stroke, style(state))
    assert oasis_session.noise_builds == builds + 1

    mask = np.zeros(labels.shape, bool)
    mask[:, :100] = True
    masked = state.with_reroll(Reroll(42, mask=mask))
    oasis_session.synthesize(labels, style(masked))
    oasis_session.synthesize(stroke, style(masked))  # a mask does not follow the classes: reused
    assert oasis_session.noise_builds == builds + 2

    by_class = state.with_reroll(Reroll(43, class_id=3))
    oasis_session.synthesize(labels, style(by_class))
    oasis_session.synthesize(labels, style(by_class))
    assert oasis_session.noise_builds == builds + 3
    oasis_session.synthesize(stroke, style(by_class))  # the class's pixels moved: rebuilt
    assert oasis_session.noise_builds == builds + 4


def test_a_model_without_3d_noise_ignores_the_noise_state(tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(4)
    gen = OASISGenerator(label_nc=3, contain_dontcare_label=False, channels_G=1, crop_size=64, no_3dnoise=True, param_free_norm_type="batch", spade_hidden=4)
    path = tmp_path / "plain.safetensors"
    save_model(gen, path, resolution=64)
    session = PaintingSession(ready(load_model(path)), CPU_RUNTIME)
    labels = np.zeros((64, 64), np.uint8)
    labels[20:40] = 2
    assert np.array_equal(session.synthesize(labels, style(NoiseState(1))), session.synthesize(labels, style(NoiseState(2))))


def test_out_of_range_class_ids_are_refused(oasis_session: PaintingSession) -> None:
    labels = strip_labels()
    labels[0, 0] = NUM_CLASSES
    with pytest.raises(ValueError, match="out of range"):
        oasis_session.synthesize(labels, style(NoiseState(1)))
