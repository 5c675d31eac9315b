"""Run by test_classic_recipes under torchrun: trains dcgan, wgan_gp and progan on two gloo processes and saves each
rank's final weights and buffers for comparison."""
from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).parent))

from test_classic_recipes import CLASSIC_TINY, classic_args  # noqa: E402
from train_helpers import recipe_class  # noqa: E402
from trainer.loop import run_recipe  # noqa: E402


def main() -> None:
    data, out_root = Path(sys.argv[1]), Path(sys.argv[2])
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    states = {}
    for recipe in CLASSIC_TINY:
        result = run_recipe(recipe_class(recipe), classic_args(recipe, data, out_root / recipe, "--device", "cpu", iters=3))
        states[recipe] = {name: net.state_dict() for name, net in result.recipe.nets.items()}
        states[recipe]["world_size"] = result.recipe.rt.ctx.world_size
    torch.save(states, out_root / f"rank{rank}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
