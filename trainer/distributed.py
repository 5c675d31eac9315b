"""Process-group setup for `torchrun` and the few collectives the loop needs.

One process per device. Under torchrun (RANK/WORLD_SIZE/LOCAL_RANK set) the
group uses nccl on GPUs and gloo on CPU; otherwise everything here is a no-op.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Collection, Iterable

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel


@dataclass
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    owns_group: bool = False  # whether init() created the process group (and shutdown() ends it)

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def choose_device(requested: str, local_rank: int) -> torch.device:
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda":
        return torch.device("cuda", local_rank)
    return torch.device(requested)


def init(requested_device: str = "auto") -> DistContext:
    """Join the torchrun process group if launched by torchrun."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = choose_device(requested_device, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    owns_group = False
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        owns_group = True
    return DistContext(rank=rank, world_size=world_size, local_rank=local_rank, device=device, owns_group=owns_group)


def shutdown(ctx: DistContext) -> None:
    if ctx.owns_group and dist.is_initialized():
        dist.destroy_process_group()


def wrap(module: nn.Module, ctx: DistContext, find_unused_parameters: bool = False) -> nn.Module:
    """DistributedDataParallel around a trainable module when running on several processes.

    Buffers are not broadcast on every forward: GAN steps call a network
    several times per backward and an in-place broadcast would invalidate the
    autograd graph; `average_buffers` keeps them equal instead.
    `find_unused_parameters` is for networks with weights a forward never
    touches (SEAN's last block keeps style layers it does not use).
    """
    if not ctx.enabled or not any(p.requires_grad for p in module.parameters()):
        return module
    device_ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=device_ids, broadcast_buffers=False,
                                   find_unused_parameters=find_unused_parameters)


def unwrap(module: nn.Module) -> nn.Module:
    return module.module if isinstance(module, DistributedDataParallel) else module


@torch.no_grad()
def average_buffers(modules: Iterable[nn.Module], ctx: DistContext, trained: Collection[int] = ()) -> None:
    """Make floating buffers (e.g. BatchNorm running statistics) equal on every rank, and, in a network with
    parameters in `trained` (ids of what an optimizer steps), its other parameters too: a reference spectral norm
    keeps its power-iteration vectors u and v as parameters no optimizer steps, and they change by forward passes,
    whose number may differ between ranks (InstaGAN runs its mask encoder once per instance)."""
    if not ctx.enabled:
        return
    for module in modules:
        inner = unwrap(module)
        params = list(inner.parameters())
        stepped = any(id(p) in trained for p in params)
        state = [*inner.buffers(), *(p.data for p in params if stepped and id(p) not in trained)]
        for tensor in state:
            if tensor.is_floating_point():
                dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
                tensor.div_(ctx.world_size)


def any_rank(flag: bool, ctx: DistContext) -> bool:
    """True when `flag` is true on at least one rank (every rank gets the same answer)."""
    if not ctx.enabled:
        return flag
    device = ctx.device if ctx.device.type == "cuda" else torch.device("cpu")
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def gather_objects(obj: Any, ctx: DistContext) -> list[Any]:
    """Every rank's `obj`, in rank order, on every rank."""
    if not ctx.enabled:
        return [obj]
    out: list[Any] = [None] * ctx.world_size
    dist.all_gather_object(out, obj)
    return out


def barrier(ctx: DistContext) -> None:
    if ctx.enabled:
        dist.barrier()
