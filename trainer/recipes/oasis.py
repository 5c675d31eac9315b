"""OASIS (Schönfeld, Sushko et al., ICLR 2021): semantic image synthesis with
adversarial supervision only.

The generator is a SPADE generator fed the one-hot label map with 3D noise; the
discriminator is a U-Net segmenter that labels every pixel with its semantic
class or "fake". Losses (trainer.losses): D's class-balanced (N+1)-class
cross-entropy (real pixels their class, fake pixels class 0), G's balanced
cross-entropy of D's output on its fakes under the real label map, LabelMix
consistency for D. No perceptual loss. Adam betas (0, 0.999), lr G 1e-4 and D
4e-4, constant. The export is an exponential moving average of G, with its
BatchNorm statistics recomputed on training label maps as the reference does
before it evaluates or saves.
"""
from __future__ import annotations

import argparse
import copy
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.oasis import DEFAULT_Z_DIM, SPADE_HIDDEN, UPSAMPLING, OASISDiscriminator, OASISGenerator, noise_map

from .. import losses
from ..data import LabelMapDataset
from ..distributed import DistContext
from ..ema import DecayEMA
from ..loop import cli_run
from ..options import add_common_arguments
from ..recipe import Recipe, make_transform, set_requires_grad
from .spade import DESCRIPTION, init_xavier

SAMPLE_SEED = 1234  # the sample grids' noise: the same every time, so grids of a run compare


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION.format(name="oasis")
    add_common_arguments(parser, resolution=256, batch=1, iters=100_000, lr=1e-4)
    group = parser.add_argument_group("oasis")
    group.add_argument("--num-classes", type=int, default=None, help="classes in the label maps (default: palette length, else highest id + 1)")
    group.add_argument("--channels-g", type=int, default=64,
                       help="generator width: its blocks have 16, 16, 16, 8, 4, 2, 1 times this many channels (default 64)")
    group.add_argument("--spade-hidden", type=int, default=SPADE_HIDDEN,
                       help=f"width of the SPADE norms' shared embedding (default {SPADE_HIDDEN} as the reference; smaller is much cheaper)")
    group.add_argument("--z-dim", type=int, default=DEFAULT_Z_DIM, help=f"3D noise channels (default {DEFAULT_Z_DIM})")
    group.add_argument("--no-3dnoise", action="store_true", help="no noise input: one image per label map")
    group.add_argument("--channels-d", type=int, default=64, help="discriminator width: 2, 2, 4, 4, 8, 8 times this per level (default 64)")
    group.add_argument("--num-res-blocks-d", type=int, default=6,
                       help="discriminator U-Net depth, 2..6; --resolution must be a multiple of 2^depth (default 6)")
    group.add_argument("--lr-d", type=float, default=4e-4, help="discriminator learning rate (default 4e-4; --lr is the generator's, 1e-4)")
    group.add_argument("--beta1", type=float, default=0.0, help="Adam beta1 of both networks (default 0)")
    group.add_argument("--beta2", type=float, default=0.999, help="Adam beta2 of both networks (default 0.999)")
    group.add_argument("--lambda-labelmix", type=float, default=10.0, help="LabelMix consistency weight for D (default 10)")
    group.add_argument("--no-labelmix", action="store_true", help="do not use LabelMix")
    group.add_argument("--no-balancing", action="store_true", help="plain cross-entropy, without the per-class weights")
    group.add_argument("--ema-decay", type=float, default=0.9999, help="decay of the generator's moving average (default 0.9999)")
    group.add_argument("--no-ema-warmup", action="store_true",
                       help="use --ema-decay from the first step (default: capped at (1+step)/(10+step), so short runs are not "
                            "dragged back to the initialisation)")
    group.add_argument("--no-ema", action="store_true", help="export and sample the generator itself, not its moving average")
    group.add_argument("--bn-batches", type=int, default=50,
                       help="training batches over which the exported generator's BatchNorm statistics are recomputed (default 50; 0 keeps G's)")


class OASISRecipe(Recipe):
    name = "oasis"
    loss_names = ("G_adv", "D_real", "D_fake", "D_labelmix")
    init_targets = {"": ("G", "G_ema")}  # the export is a copy (batch statistics recomputed), not one of self.nets

    def build_dataset(self) -> LabelMapDataset:
        a = self.args
        if a.resolution % UPSAMPLING:
            raise ValueError(f"--resolution must be a multiple of {UPSAMPLING} (the generator upsamples its first map 32 times), got {a.resolution}")
        if not 2 <= a.num_res_blocks_d <= 6:
            raise ValueError(f"--num-res-blocks-d must be 2..6, got {a.num_res_blocks_d}")
        if a.resolution % 2 ** a.num_res_blocks_d:
            raise ValueError(f"--resolution must be a multiple of 2^{a.num_res_blocks_d} = {2 ** a.num_res_blocks_d} "
                             f"for a {a.num_res_blocks_d}-level discriminator, got {a.resolution}")
        return LabelMapDataset(a.data, make_transform(a, jitter=False), a.num_classes)

    def build(self, dataset: LabelMapDataset) -> None:
        a = self.args
        self.dataset = dataset  # the exported generator's BatchNorm statistics are measured on it
        self.labels = dataset.labels_meta
        self.num_classes = dataset.num_classes
        # The folder format has no "don't care" id: every pixel is a class the loss counts.
        self.nets["G"] = OASISGenerator(label_nc=self.num_classes, contain_dontcare_label=False, channels_G=a.channels_g, z_dim=a.z_dim,
                                        no_3dnoise=a.no_3dnoise, crop_size=a.resolution, spade_hidden=a.spade_hidden)
        self.nets["D"] = OASISDiscriminator(label_nc=self.num_classes, contain_dontcare_label=False, channels_D=a.channels_d,
                                            num_res_blocks=a.num_res_blocks_d)
        for net in self.nets.values():
            init_xavier(net)  # the reference's init: xavier-normal gain 0.02, BatchNorm scales N(1, 0.02)
        if not a.no_ema:
            self.ema = DecayEMA(self.nets["G"], a.ema_decay, warmup=not a.no_ema_warmup)
            self.nets["G_ema"] = self.ema.shadow
        betas = (a.beta1, a.beta2)
        self.optimizers = {
            "G": torch.optim.Adam(self.nets["G"].parameters(), lr=a.lr, betas=betas),
            "D": torch.optim.Adam(self.nets["D"].parameters(), lr=a.lr_d, betas=betas),
        }

    def wrap(self, ctx: DistContext) -> None:
        super().wrap(ctx)
        # DDP leaves the average alone (it has no trainable weights); keep the EMA's reference on the moved module
        if "G_ema" in self.nets:
            self.ema.shadow = self.nets["G_ema"]

    def _noise(self, count: int, height: int, width: int, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """The 3D noise map [count, z_dim, H, W]: one N(0, 1) vector per image at every pixel, as the paper trains."""
        if self.args.no_3dnoise:
            return None
        z = torch.randn(count, self.args.z_dim, generator=generator, device="cpu" if generator is not None else self.rt.device)
        return noise_map(z.to(self.rt.device), height, width)

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n = self.args, self.train_nets
        real, label = batch["image"], batch["label"]
        seg = self.nets["G"].semantic_input(label).to(real.dtype)
        balance = not a.no_balancing
        out: dict[str, torch.Tensor] = {}

        # One generator forward serves both steps: D learns on the detached fake,
        # then G's loss goes through the updated D (pix2pix's order; the reference
        # runs G again for its D step, which costs a third more on a CPU).
        with self.rt.autocast():
            fake = n["G"](seg, self._noise(real.shape[0], *real.shape[2:]))

        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            images = [fake.detach(), real]
            if not a.no_labelmix:
                mask = losses.labelmix_mask(label, self.num_classes).to(real.dtype)
                images.append(losses.labelmix(mask, real, fake.detach()))
            # --diffaugment: the same draws for the fake, the real and their mix (LabelMix compares D's
            # outputs on them pixel by pixel), and the label map and mix mask move with them
            k, count = len(images), real.shape[0]
            seen, *maps = self.augment_d(torch.cat(images, 0), label.repeat(k, 1, 1),
                                         *([mask.repeat(k, 1, 1, 1)] if not a.no_labelmix else []), tile=k)
            seen_label = maps[0][:count]
            # one forward of all of them: one spectral-norm power iteration per step, and DDP sees one forward per backward
            logits = n["D"](seen).chunk(k, 0)
        out["D_fake"] = losses.oasis_fake_loss(logits[0])
        out["D_real"] = losses.oasis_real_loss(logits[1], seen_label, balance)
        total = out["D_fake"] + out["D_real"]
        if not a.no_labelmix:
            out["D_labelmix"] = losses.labelmix_penalty(maps[1][:count], logits[2], logits[1], logits[0])
            total = total + a.lambda_labelmix * out["D_labelmix"]
        self.rt.backward(total)
        self.rt.step(self.optimizers["D"])

        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            seen, seen_label = self.augment_d(fake, label)
            out["G_adv"] = losses.oasis_real_loss(self.nets["D"](seen), seen_label, balance)
        self.rt.backward(out["G_adv"])
        self.rt.step(self.optimizers["G"])
        set_requires_grad(self.nets["D"], True)

        if "G_ema" in self.nets:
            self.ema.update_step(self.nets["G"], iteration)
        return out

    def _exported_generator(self) -> nn.Module:
        return self.nets["G_ema"] if "G_ema" in self.nets else self.nets["G"]

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        real, label = batch["image"], batch["label"]
        generator = self._exported_generator()
        return generator(generator.semantic_input(label).to(real.dtype), self._noise(real.shape[0], *real.shape[2:])), real

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        """Rows: label map, two noise draws of the exported generator, the photo."""
        real, label = batch["image"], batch["label"]
        generator = self._exported_generator()
        seg = generator.semantic_input(label).to(real.dtype)
        rng = torch.Generator().manual_seed(SAMPLE_SEED)
        fakes = [generator(seg, self._noise(real.shape[0], *real.shape[2:], rng)) for _ in range(1 if self.args.no_3dnoise else 2)]
        colors = torch.tensor([entry["color"] for entry in self.labels], dtype=real.dtype, device=real.device)
        label_rgb = colors[label.clamp(max=len(self.labels) - 1)].permute(0, 3, 1, 2) / 127.5 - 1
        return torch.cat([label_rgb, *fakes, real], 0), real.shape[0]

    @torch.no_grad()
    def recompute_batch_stats(self, generator: nn.Module) -> nn.Module:
        """A copy of `generator` whose BatchNorm running statistics are the average
        over --bn-batches training batches (fixed items and noise, so every export of
        the same weights is identical). The moving average's weights never saw
        the statistics it inherits from G; the reference recomputes them likewise."""
        a = self.args
        generator = copy.deepcopy(generator)
        norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
        count = min(a.bn_batches, len(self.dataset) // a.batch)
        if not norms or count <= 0:
            return generator
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # a cumulative average over the batches
        rng = torch.Generator().manual_seed(SAMPLE_SEED)
        generator.train()
        try:
            for b in range(count):
                items = [self.dataset[(b * a.batch + i, b * a.batch + i)] for i in range(a.batch)]
                batch = self.rt.to_device(torch.utils.data.default_collate(items))
                seg = generator.semantic_input(batch["label"])
                generator(seg, self._noise(a.batch, *batch["image"].shape[2:], rng))
        finally:
            for m, momentum in zip(norms, momenta):
                m.momentum = momentum
            generator.eval()
        return generator

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        generator = self.recompute_batch_stats(self._exported_generator())
        return generator, {}, {"labels": self.labels, "resolution": self.args.resolution}


def run(args: argparse.Namespace) -> int:
    return cli_run(OASISRecipe, args)
