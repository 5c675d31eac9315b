"""What every recipe provides to the training loop, and the runtime it gets."""
from __future__ import annotations

import argparse
import contextlib
from typing import Any, ContextManager

import torch
import torch.nn as nn
from torch.utils.data import Dataset

from . import distributed
from .augment import DiffAugment
from .data.transforms import JointTransform
from .distributed import DistContext


PRECISIONS = ("fp32", "bf16")


def cpu_has_bf16() -> bool:
    """Whether the processor computes in bfloat16 natively (AVX512-BF16 or AMX), as torch reports it.

    The app's engine asks the same (engine/precision.py); the trainer may not import the engine (layering).
    """
    cpu = getattr(torch, "cpu", None)
    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        check = getattr(cpu, probe, None)
        try:
            if check is not None and check():
                return True
        except Exception:  # older builds: treat as absent
            pass
    return False


def bf16_training_dtype(device: torch.device) -> torch.dtype:
    """bfloat16, where the device computes in it natively; ValueError (in our words) elsewhere.

    On a CPU without bf16 units (AVX512-BF16 or AMX) torch emulates it, slower than fp32: refused, not silently slow.
    """
    if device.type == "cpu" and not cpu_has_bf16():
        raise ValueError("--precision bf16: this processor has no bfloat16 units (AVX512-BF16 or AMX); train in fp32")
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError("--precision bf16: this GPU has no bfloat16; use --amp fp16")
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"--precision bf16 runs on the CPU or CUDA, not {device.type}")
    return torch.bfloat16


class Runtime:
    """Device, process group and precision policy for one run."""

    def __init__(self, ctx: DistContext, amp: str = "auto", precision: str = "fp32") -> None:
        """`amp`: CUDA's mixed precision; `precision` "bf16": bf16 autocast on the CPU too (and bf16 on CUDA)."""
        self.ctx = ctx
        self.device = ctx.device
        self.cuda = self.device.type == "cuda"
        if precision not in PRECISIONS:
            raise ValueError(f"--precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        if precision == "bf16":
            self.amp_dtype = bf16_training_dtype(self.device)
        elif not self.cuda or amp == "off":
            self.amp_dtype = None
        elif amp == "fp16" or (amp == "auto" and not torch.cuda.is_bf16_supported()):
            self.amp_dtype = torch.float16
        else:
            self.amp_dtype = torch.bfloat16
        # fp16 needs loss scaling; bf16 has fp32's range and does not
        self.scaler = torch.amp.GradScaler("cuda") if self.amp_dtype == torch.float16 else None

    def autocast(self) -> ContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def to_device(self, value: Any) -> Any:
        """Move a batch (tensor or dict of tensors) to the device, channels_last images on CUDA."""
        if isinstance(value, dict):
            return {k: self.to_device(v) for k, v in value.items()}
        if isinstance(value, torch.Tensor):
            value = value.to(self.device, non_blocking=True)
            if self.cuda and value.dim() == 4:
                value = value.contiguous(memory_format=torch.channels_last)
            return value
        return value

    def prepare(self, module: nn.Module) -> nn.Module:
        module = module.to(self.device)
        if self.cuda:
            module = module.to(memory_format=torch.channels_last)
        return module

    def backward(self, loss: torch.Tensor) -> None:
        (self.scaler.scale(loss) if self.scaler else loss).backward()

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        if self.scaler:
            self.scaler.step(optimizer)
        else:
            optimizer.step()

    def end_iteration(self) -> None:
        if self.scaler:
            self.scaler.update()


def make_transform(args: argparse.Namespace, jitter: bool, center_crop: int | None = None) -> "JointTransform":
    """The recipe's augmentation: with `jitter`, resize to 286/256 of the size and
    random-crop back (pix2pix/CycleGAN) unless --load-size says otherwise."""
    load_size = args.load_size or (round(args.resolution * 286 / 256) if jitter else None)
    return JointTransform(crop_size=args.resolution, load_size=load_size, flip=not args.no_flip, center_crop=center_crop)


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


class LinearDecay:
    """LR factor: 1 for `constant` iterations, then linearly to ~0 over `decay` (the
    pix2pix/CycleGAN/SPADE/StarGAN schedule, in iterations instead of epochs)."""

    def __init__(self, constant: int, decay: int) -> None:
        self.constant = constant
        self.decay = decay

    def __call__(self, iteration: int) -> float:
        return 1.0 - max(0, iteration - self.constant) / float(self.decay + 1)


def linear_decay_scheduler(optimizer: torch.optim.Optimizer, iters: int, decay_iters: int | None) -> torch.optim.lr_scheduler.LambdaLR:
    decay = iters // 2 if decay_iters is None else min(decay_iters, iters)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, LinearDecay(iters - decay, decay))


class Recipe:
    """A training recipe: its data, networks, optimisers and one training step.

    `nets` holds the bare modules (saved in checkpoints); `train_nets` the
    same modules wrapped for DistributedDataParallel where several processes
    run. Schedulers are stepped once per iteration by the loop.
    """

    name: str = ""
    loss_names: tuple[str, ...] = ()
    nets_with_unused_parameters: tuple[str, ...] = ()
    # --init: which of self.nets each network of the file fills ("" is the file's main network,
    # other keys its parts as export() names them); None works it out from export() by identity
    init_targets: dict[str, tuple[str, ...]] | None = None

    def __init__(self, args: argparse.Namespace, runtime: Runtime) -> None:
        self.args = args
        self.rt = runtime
        self.nets: dict[str, nn.Module] = {}
        self.train_nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.schedulers: dict[str, Any] = {}
        self.diffaugment = DiffAugment(getattr(args, "diffaugment", None) or "")
        self.augment_calls = 0  # the loop checks that a recipe given --diffaugment uses augment_d
        self.images_seen = 0  # images (all processes) before the current iteration; kept across resumes by the loop

    # -- set-up ---------------------------------------------------------------
    def build_dataset(self) -> Dataset:
        raise NotImplementedError

    def build(self, dataset: Dataset) -> None:
        """Create self.nets, self.optimizers and self.schedulers."""
        raise NotImplementedError

    def wrap(self, ctx: DistContext) -> None:
        for name, net in self.nets.items():
            self.nets[name] = self.rt.prepare(net)
        self.train_nets = {name: distributed.wrap(net, ctx, name in self.nets_with_unused_parameters) for name, net in self.nets.items()}

    # -- training -------------------------------------------------------------
    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        """Images in [-1, 1] for a sample grid, and the number per row."""
        raise NotImplementedError

    def augment_d(self, image: torch.Tensor, *aligned: torch.Tensor, tile: int = 1) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """What the discriminator sees of `image` (and of maps aligned with it: label maps, the
        pix2pix input): with --diffaugment, augmented (colour on the image, the same translation
        for all); otherwise unchanged. Call it on reals and fakes alike, in D's and in G's steps.
        `tile` k: the batch is k groups given the same draws (see DiffAugment)."""
        self.augment_calls += 1
        if not self.diffaugment:
            return (image, *aligned) if aligned else image
        return self.diffaugment(image, *aligned, tile=tile)

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        """(generated, real) images in [-1, 1] from a fixed batch, for the Frechet distance that
        --eval-every logs; None: this recipe has no such pair."""
        return None

    # -- --init ---------------------------------------------------------------
    def init_expectations(self) -> dict[str, Any]:
        """What a file given to --init must agree with (resolution, attributes, labels)."""
        return {"resolution": self.args.resolution, "attributes": getattr(self, "attributes", None), "labels": getattr(self, "labels", None)}

    def init_weights(self, path: str) -> list[str]:
        """Fill self.nets from a file load_model opens (native or official); returns the names filled.
        A network the file does not hold keeps its fresh initialisation."""
        from ganstudio.checkpoints import load_model

        from .checkpoint import check_meta, copy_weights

        loaded = load_model(path)
        check_meta(loaded, self.init_expectations())
        targets = self.init_targets if self.init_targets is not None else self._targets_from_export()
        filled = []
        for slot, names in targets.items():
            source = loaded if slot == "" else loaded.parts.get(slot)
            if source is None:
                continue
            for name in names:
                if name in self.nets:
                    copy_weights(source.module, self.nets[name], f"{slot or 'main network'} ({source.arch})")
                    filled.append(name)
        return filled

    def _targets_from_export(self) -> dict[str, tuple[str, ...]]:
        module, parts, _ = self.export()
        slots = {"": module, **parts}
        return {slot: tuple(name for name, net in self.nets.items() if net is m) for slot, m in slots.items()}

    # -- state ----------------------------------------------------------------
    def extra_state(self) -> dict[str, Any]:
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        """(primary module, companion parts, metadata) for save_model."""
        raise NotImplementedError

    def domains(self) -> dict[str, str] | None:
        """Translation recipes: {"A": what the exported model takes, "B": what it makes}, when known (see trainer.export)."""
        return None
