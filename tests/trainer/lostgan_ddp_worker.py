"""Run by test_lostgan_recipe under torchrun: trains lostgan on two gloo processes and saves each rank's final
weights and buffers for comparison."""
from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).parent))

from test_lostgan_recipe import args_for  # noqa: E402
from train_helpers import recipe_class  # noqa: E402
from trainer.loop import run_recipe  # noqa: E402


def main() -> None:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    result = run_recipe(recipe_class("lostgan"), args_for(data, out / "run", "--device", "cpu", iters=2))
    states = {name: net.state_dict() for name, net in result.recipe.nets.items()}
    states["world_size"] = result.recipe.rt.ctx.world_size
    torch.save(states, out / f"rank{rank}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
