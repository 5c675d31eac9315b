"""Linear separability: our squared-hinge SVM, the entropy bookkeeping, and the metric on a tiny StyleGAN2."""
from __future__ import annotations

import time

import numpy as np
import torch

from trainer.evaluation import separability as S


def test_svm_separates_a_separable_set_perfectly() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(600, 16, generator=g)
    direction = torch.randn(16, generator=g)
    score = x @ direction + 0.7
    keep = score.abs() > 0.3  # a margin, so the set is separable
    x, labels = x[keep], (score[keep] > 0).double()
    weight, bias = S.fit_linear_svm(x, labels)
    side = (x.double() @ weight + bias) > 0
    assert bool((side == labels.bool()).all())
    # the solver reached the optimum: the objective's gradient vanishes
    theta = torch.cat([weight, torch.tensor([bias], dtype=torch.float64)]).requires_grad_(True)
    xa = torch.cat([x.double(), torch.ones(len(x), 1, dtype=torch.float64)], 1)
    y = 2 * labels - 1
    loss = 0.5 * (theta[:-1] ** 2).sum() + ((1 - y * (xa @ theta)).clamp_min(0) ** 2).sum()
    loss.backward()
    assert float(theta.grad.abs().max()) < 1e-6
    # and the conditional entropy of that attribute given the SVM's side is 0
    assert S.attribute_entropy(x, (score[keep] * 3).numpy(), keep=1.0, folds=1) == 0.0
    assert S.attribute_entropy(x, (score[keep] * 3).numpy(), keep=1.0, folds=2) < 0.05


def test_entropy_near_zero_when_the_attribute_is_a_half_space() -> None:
    g = torch.Generator().manual_seed(1)
    z = torch.randn(800, 8, generator=g)
    logits = (z[:, 0] - 0.5 * z[:, 3]).numpy()
    assert S.attribute_entropy(z, logits) < 0.02


def test_random_labels_leave_about_one_bit() -> None:
    g = torch.Generator().manual_seed(2)
    z = torch.randn(2000, 8, generator=g)
    logits = torch.randn(2000, generator=g).numpy()  # independent of z
    h = S.attribute_entropy(z, logits)
    assert 0.95 < h <= 1.0
    result = S.separability(z, z, {"a": logits, "b": (z[:, 1]).numpy()})
    assert 1.9 < result.z <= 2.0 + 1e-9  # 2 ** (about 1 + about 0)
    assert 0.45 < result.positive_share["a"] < 0.55


def test_held_out_folds_keep_random_labels_at_one_bit_with_few_samples_per_dimension() -> None:
    # 300 kept samples in 128 dimensions: a hyperplane fits random labels on the samples it was fitted on
    g = torch.Generator().manual_seed(3)
    z = torch.randn(600, 128, generator=g)
    logits = torch.randn(600, generator=g).numpy()
    same_sample = S.attribute_entropy(z, logits, folds=1)
    held_out = S.attribute_entropy(z, logits, folds=2)
    assert same_sample < 0.8  # 0.67 bits: a third of a bit "explained" by nothing
    assert held_out > 0.9


def test_conditional_entropy_bits() -> None:
    labels = np.array([1, 1, 0, 0, 1, 0, 1, 0], bool)
    assert S.conditional_entropy_bits(labels, labels) == 0.0
    assert S.conditional_entropy_bits(labels, ~labels) == 0.0
    assert abs(S.conditional_entropy_bits(labels, np.ones(8, bool)) - 1.0) < 1e-12
    # one wrong of four on each side: H(0.25) bits
    h = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))
    pred = np.array([1, 1, 0, 0, 0, 1, 1, 0], bool)
    labels2 = np.array([1, 1, 0, 0, 1, 0, 1, 0], bool)
    assert abs(S.conditional_entropy_bits(labels2, pred) - h) < 1e-12


def test_metric_on_a_tiny_generator_runs_fast() -> None:
    from ganstudio.models.stylegan2 import Generator

    torch.manual_seed(0)
    gen = Generator(z_dim=16, c_dim=0, w_dim=16, img_resolution=16, img_channels=3,
                    mapping_kwargs={"num_layers": 2}, synthesis_kwargs={"channel_base": 128, "channel_max": 16}).eval()

    def attributes(images: np.ndarray) -> dict[str, np.ndarray]:
        # attributes of the pictures the generator makes, split at their medians
        x = images.astype(np.float64)
        left = x[:, :, : x.shape[2] // 2].mean(axis=(1, 2, 3)) - x[:, :, x.shape[2] // 2:].mean(axis=(1, 2, 3))
        red = x[..., 0].mean(axis=(1, 2)) - x[..., 1:].mean(axis=(1, 2, 3))
        return {"left brighter": left - np.median(left), "red": red - np.median(red)}

    started = time.perf_counter()
    result = S.generator_separability(gen, attributes, 200, batch=50)
    assert time.perf_counter() - started < 10
    assert result.samples == 200 and result.kept == 100
    assert set(result.entropies_w) == {"left brighter", "red"}
    for h in list(result.entropies_z.values()) + list(result.entropies_w.values()):
        assert 0.0 <= h <= 1.0
    assert 1.0 <= result.z <= 4.0 and 1.0 <= result.w <= 4.0
    # the same seed gives the same figures
    again = S.generator_separability(gen, attributes, 200, batch=50)
    assert again.entropies_w == result.entropies_w


def test_stylegan2_report_table_with_the_landscape_judge() -> None:
    from ganstudio.checkpoints.loaded import LoadedModel
    from ganstudio.models.stylegan2 import Generator
    from trainer.evaluation.context import EvalContext, Settings
    from trainer.evaluation.generation import separability_table

    torch.manual_seed(0)
    gen = Generator(z_dim=8, c_dim=0, w_dim=8, img_resolution=8, img_channels=3, mapping_kwargs={"num_layers": 1},
                    synthesis_kwargs={"channel_base": 64, "channel_max": 8}).eval()
    model = LoadedModel(arch="stylegan2", config={}, module=gen)
    figures: dict = {}
    table = separability_table("tiny", model, EvalContext(Settings.tiny()), figures)
    sep = figures["separability"]
    assert sep["samples"] == 40 and sep["kept"] == 20 and sep["folds"] == 2
    expected = {f"shows {c}" for c in ("mountain", "snow", "water", "tree", "sand", "rock")}
    expected |= {"summer", "autumn", "winter", "day", "dusk", "night"}
    assert set(sep["bits_w"]) == expected
    assert all(0.0 <= h <= 1.0 for h in sep["bits_z"].values())
    assert table.rows == [["tiny", f"{sep['z']:.3g}", f"{sep['w']:.3g}"]]
    assert "Not comparable with the paper" in table.note


def test_face_attribute_logits_name_every_attribute() -> None:
    from trainer.evaluation.measure_nets import SmallConvNet
    from trainer.synthetic.faces import FACE_ATTRIBUTES

    torch.manual_seed(0)
    net = SmallConvNet(outputs=len(FACE_ATTRIBUTES), width=8).eval()
    images = np.random.default_rng(0).integers(0, 256, (6, 16, 16, 3), dtype=np.uint8)
    logits = S.face_attribute_logits(net, images)
    assert list(logits) == list(FACE_ATTRIBUTES)
    with torch.inference_mode():
        expected = net(torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1)
    for k, name in enumerate(FACE_ATTRIBUTES):
        np.testing.assert_allclose(logits[name], expected[:, k].numpy(), rtol=1e-5, atol=1e-5)
