"""The measured precision policy: the gate, fp32 islands, the cache and its invalidation, overrides."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

from ganstudio.checkpoints import save_model
from ganstudio.engine.device import Runtime
from ganstudio.engine.model_cache import ModelCache
from ganstudio.engine.precision import (
    FP32,
    Candidate,
    ChoiceCache,
    Error,
    Gate,
    PrecisionPolicy,
    candidates,
    cpu_has_bf16,
    fixed_candidate,
    fp32_island_classes,
    keep_in_fp32,
    measure,
)
from ganstudio.models.stargan import Generator as StarGAN

BF16 = Candidate(torch.bfloat16)


class Fragile(nn.Module):
    """A modulation-like block: a dense layer whose output cancels, which bf16 cannot resolve."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 1, bias=False)
        self.conv = nn.Conv2d(1, 1, 1, bias=False)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[1000.0, -1000.0]]))
            self.conv.weight.fill_(1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pair = torch.stack([x + 1e-3 * torch.sin(40 * x), x], dim=-1)  # differs from x by ~1e-3
        return self.conv(self.fc(pair)[..., 0])


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Conv2d(1, 1, 3, padding=1)
        self.fragile = Fragile()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.body(x) * 0.1 + self.fragile(x))


def _setup() -> tuple[Net, torch.Tensor, list[Candidate]]:
    torch.manual_seed(0)
    net = Net().eval().requires_grad_(False)
    x = torch.rand(1, 1, 32, 32) * 2 - 1
    applied: list[Candidate] = []
    return net, x, applied


def _probe_and_apply(net: Net, x: torch.Tensor, applied: list[Candidate]):  # type: ignore[no-untyped-def]
    def probe() -> list[np.ndarray]:
        return [net(x).float().numpy()]

    def apply(candidate: Candidate) -> None:
        applied.append(candidate)
        Runtime(torch.device("cpu"), channels_last=candidate.channels_last, keep_fp32=candidate.keep_fp32).prepare(net)

    return probe, apply


def test_the_error_is_in_levels_of_255() -> None:
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 10
    error = Error.between([b], [a])
    assert error.max == 10 and error.mean == pytest.approx(10 / 48)
    assert Error.between([np.zeros(3)], [np.full(3, 2 / 255)]).mean == pytest.approx(1.0)  # floats in [-1, 1]
    assert not Gate().passes(Error.between([np.array([np.nan])], [np.zeros(1)]))


def test_a_failing_gate_falls_back_to_fp32() -> None:
    net, x, applied = _setup()
    probe, apply = _probe_and_apply(net, x, applied)
    choice = measure(probe, apply, "cpu", [FP32, Candidate(None, True), BF16], Gate(mean=1e-9, p99=1e-9), rounds=1)
    assert choice.candidate == FP32
    assert applied[-1] == FP32  # the module is left in the chosen setting
    rows = {m.candidate: m for m in choice.table}
    assert not rows[BF16].passed and rows[BF16].error.mean > 0
    assert choice.error == Error() and choice.source == "measured"


def test_a_block_that_breaks_the_gate_is_kept_in_fp32() -> None:
    net, x, applied = _setup()
    probe, apply = _probe_and_apply(net, x, applied)
    assert fp32_island_classes(net) == ("Fragile",)  # a dense layer beside a convolution: a modulation
    choice = measure(probe, apply, "cpu", [FP32, BF16], Gate(), islands=fp32_island_classes(net), rounds=1)
    rows = {m.candidate: m for m in choice.table}
    assert not rows[BF16].passed  # the whole network in bf16 is far off
    island = Candidate(torch.bfloat16, keep_fp32=("Fragile",))
    assert rows[island].passed and rows[island].error.mean < 1.0
    assert choice.candidate in (FP32, island)  # whichever was faster, never the failing one


def test_fp32_islands_wrap_and_unwrap() -> None:
    net, x, _ = _setup()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert keep_in_fp32(net, ["Fragile"], "cpu") == 1
        kept = net.fragile(x)
        assert kept.dtype == torch.float32  # its dense layer and convolution ran without autocast
        assert keep_in_fp32(net, [], "cpu") == 0
        assert net.fragile(x).dtype == torch.bfloat16
    assert "forward" not in net.fragile.__dict__


def test_overrides_say_what_they_run() -> None:
    assert fixed_candidate("fp32", "cpu") == (FP32, "")
    candidate, note = fixed_candidate("fp16", "cpu")
    assert "fp16" not in candidate.name and note  # the CPU has no fast float16
    if cpu_has_bf16():
        assert fixed_candidate("bf16", "cpu")[0].autocast is torch.bfloat16
        assert [c.name for c in candidates("cpu")] == ["fp32", "fp32+cl", "bf16", "bf16+cl"]
    else:
        assert fixed_candidate("bf16", "cpu")[0] == FP32
        assert [c.name for c in candidates("cpu")] == ["fp32", "fp32+cl"]
    assert {c.precision for c in candidates("cuda")} >= {"fp32", "fp16"}  # names only: no GPU needed
    with pytest.raises(ValueError, match="unknown precision"):
        fixed_candidate("fp8", "cpu")


def _tiny_model(path: Path, seed: int) -> Path:
    torch.manual_seed(seed)
    save_model(StarGAN(conv_dim=8, c_dim=3, repeat_num=1), path, attributes=["a", "b", "c"], resolution=32)
    return path


def test_the_choice_is_cached_and_measured_again_when_the_file_changes(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path / "tiny.safetensors", seed=0)
    policy = PrecisionPolicy(cache_dir=tmp_path / "cache")
    first = ModelCache(policy=policy).get(model, "cpu")
    assert first.precision is not None and first.precision.source == "measured"
    assert first.precision.measure_seconds > 0 and first.info()["precision_note"].startswith(first.precision.candidate.name)
    again = ModelCache(policy=policy).get(model, "cpu")
    assert again.precision.source == "cached" and again.precision.candidate == first.precision.candidate
    assert again.runtime.autocast == first.precision.candidate.autocast
    _tiny_model(model, seed=1)  # a re-export: other weights, same name
    os.utime(model, ns=(1, 1))  # even with an old timestamp the header's hash differs
    changed = ModelCache(policy=policy).get(model, "cpu")
    assert changed.precision.source == "measured"
    assert len(ChoiceCache(tmp_path / "cache")._read()) == 2


def test_a_precision_hint_overrides_the_measurement_and_replaces_the_cached_copy(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path / "tiny.safetensors", seed=0)
    cache = ModelCache(policy=PrecisionPolicy(cache_dir=tmp_path / "cache"))
    measured = cache.get(model, "cpu")
    forced = cache.get(model, "cpu", {"precision": "fp32"})
    assert forced.precision.source == "override" and forced.runtime.autocast is None
    assert "chosen by you" in forced.info()["precision_note"]
    assert len(cache) == 1 and measured.key not in cache  # the other precision's copy went


def test_models_without_a_probe_keep_the_default(tmp_path: Path) -> None:
    from ganstudio.models.patchgan import NLayerDiscriminator

    path = tmp_path / "d.safetensors"
    save_model(NLayerDiscriminator(input_nc=3, ndf=8, n_layers=1), path)
    ready = ModelCache(policy=PrecisionPolicy(cache_dir=tmp_path / "cache")).get(path, "cpu")
    assert ready.runtime.autocast is None and ready.precision.source == "unprobed"
    assert not (tmp_path / "cache").exists()  # nothing measured, nothing written


BUNDLED = sorted(p for p in (Path(__file__).resolve().parents[2] / "resources" / "models").glob("*.safetensors"))


@pytest.mark.skipif(not cpu_has_bf16(), reason="this processor has no bfloat16 units: the policy keeps fp32")
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_model_has_a_reduced_precision_within_the_gate(path: Path) -> None:
    from ganstudio.engine.precision_probes import probe_for

    torch.manual_seed(0)
    ready = ModelCache().get(path, "cpu")
    probe = probe_for(ready)
    if probe is None:
        pytest.fail(f"{ready.loaded.arch} has no probe: its precision would never be measured")
    reduced = Candidate(torch.bfloat16, True)
    choice = measure(probe, ready.use, "cpu", [FP32, reduced], Gate(), fp32_island_classes(ready.module), rounds=0)
    passed = [m for m in choice.table if m.passed and m.candidate.autocast is torch.bfloat16]
    assert passed, f"{path.name}: no bf16 variant within {Gate().describe()}: {[(m.candidate.name, m.error) for m in choice.table]}"
    assert all(Gate().passes(m.error) for m in passed)


def test_trainer_sampling_uses_the_policy_and_leaves_the_module_as_it_was() -> None:
    from ganstudio.engine.precision import (
        choose_for_sampling,
        sampling_context,
        training_autocast,
    )

    net, x, _ = _setup()
    choice = choose_for_sampling(net, "cpu", lambda: net(x))
    assert choice.source == "measured" and not choice.candidate.channels_last
    assert Gate().passes(choice.error)
    assert "forward" not in net.fragile.__dict__  # no fp32 wrapper left behind
    with sampling_context(choice, "cpu", net):
        out = net(x)
        assert not torch.is_grad_enabled()
    assert Error.between([out.float().numpy()], [net(x).detach().numpy()]).mean <= Gate().mean
    with training_autocast("cpu"):
        y = nn.Linear(4, 4)(torch.ones(1, 4))
    assert y.dtype == (torch.bfloat16 if cpu_has_bf16() else torch.float32)
