"""`--precision bf16`: the training step's forward passes in bfloat16 autocast on the CPU."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn

from train_helpers import recipe_class, tiny_args
from trainer.distributed import DistContext
from trainer.loop import run_recipe
from trainer.recipe import Runtime, cpu_has_bf16

needs_bf16 = pytest.mark.skipif(not cpu_has_bf16(), reason="this processor has no bfloat16 units: --precision bf16 is refused")


@needs_bf16
@pytest.mark.parametrize("recipe, kind", [("spade", "labelmap"), ("stargan", "faces")])  # StarGAN: a gradient penalty too
def test_a_tiny_bf16_run_trains_in_bf16_with_finite_losses(recipe: str, kind: str, tiny_data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen: set[torch.dtype] = set()

    def record(module: nn.Module, _inputs: object, output: object) -> None:
        if isinstance(module, nn.Conv2d) and isinstance(output, torch.Tensor) and torch.is_grad_enabled():
            seen.add(output.dtype)

    hook = nn.modules.module.register_module_forward_hook(record)
    try:
        result = run_recipe(recipe_class(recipe), tiny_args(recipe, tiny_data(kind), tmp_path / "run", "--precision", "bf16", iters=2))
    finally:
        hook.remove()
    assert torch.bfloat16 in seen  # the training step's convolutions ran in bf16
    assert result.iteration == 2 and result.final_losses
    assert all(math.isfinite(v) for v in result.final_losses.values())
    weights = result.recipe.nets["G"].state_dict().values()
    assert all(w.dtype != torch.bfloat16 for w in weights if w.is_floating_point())  # the weights stay fp32 (autocast)
    assert result.export_path is not None and result.export_path.is_file()


def test_bf16_is_refused_in_our_words_where_the_processor_lacks_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import trainer.recipe

    assert Runtime(DistContext(), precision="fp32").amp_dtype is None  # the CPU default: full precision
    monkeypatch.setattr(trainer.recipe, "cpu_has_bf16", lambda: False)
    with pytest.raises(ValueError, match="no bfloat16 units"):
        Runtime(DistContext(), precision="bf16")
    with pytest.raises(ValueError, match="--precision must be one of"):
        Runtime(DistContext(), precision="fp8")


@needs_bf16
def test_the_runtime_autocasts_on_the_cpu() -> None:
    runtime = Runtime(DistContext(), precision="bf16")
    assert runtime.amp_dtype is torch.bfloat16 and runtime.scaler is None  # bf16 has fp32's range: no loss scaling
    with runtime.autocast():
        assert nn.Linear(4, 4)(torch.ones(1, 4)).dtype == torch.bfloat16
