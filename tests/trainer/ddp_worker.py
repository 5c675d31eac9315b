"""Run under torchrun by `train_helpers.train_on_two_processes`: trains each named recipe on two gloo processes
and saves each rank's final weights and buffers for comparison.

argv: DATA OUT BUILDER RECIPE... where BUILDER is "test_module:function", function(recipe, data, out, *extra, iters)
returning the recipe's parsed arguments.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).parent))

from train_helpers import DISTRIBUTED_ITERS, recipe_class  # noqa: E402
from trainer.loop import run_recipe  # noqa: E402


def main() -> None:
    data, out_root, builder_name, recipes = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
    module, function = builder_name.split(":")
    builder = getattr(importlib.import_module(module), function)
    dist.init_process_group("gloo")
    states = {}
    for recipe in recipes:
        result = run_recipe(recipe_class(recipe), builder(recipe, data, out_root / recipe, "--device", "cpu", iters=DISTRIBUTED_ITERS))
        states[recipe] = {name: net.state_dict() for name, net in result.recipe.nets.items()}
        states[recipe]["world_size"] = result.recipe.rt.ctx.world_size
    torch.save(states, out_root / f"rank{dist.get_rank()}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
