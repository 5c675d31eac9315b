"""InstaGAN (Mo et al. 2019): CycleGAN's objective on (image, instance masks) sets.

Two set generators and two set discriminators; least-squares GAN, cycle and identity losses, and the
context-preserving loss (L1 between the input and the translation outside the union of the input's and
the translated masks). Sequential mini-batches: the masks (largest first) go through `--ins-per` at a
time; each pass updates both networks and feeds its translated image to the next, and a discriminator
sees the image with the masks translated so far (the rest empty). One image per batch: the set sum runs
over the batch in these networks.
"""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.instagan import NLayerSetDiscriminator, ResnetSetGenerator

from .. import export
from ..data.instances import InstanceDataset
from ..distributed import any_rank
from ..loop import cli_run
from ..options import add_common_arguments, add_lr_decay_argument
from ..recipe import Recipe, linear_decay_scheduler, make_transform, set_requires_grad
from .pix2pix import GAN_LOSSES, init_normal

DESCRIPTION = """Train InstaGAN on two unpaired domains with instance masks: DATA/trainA/<name>.png with
DATA/trainA_seg/<name>_<i>.png (one grey mask per instance, i < 20), the same for B.
The export holds G_A (A to B) as the model and G_B (B to A) as its "reverse" part."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=64, batch=1, iters=50_000, lr=2e-4)
    group = parser.add_argument_group("instagan")
    group.add_argument("--ngf", type=int, default=64, help="generator width (default 64)")
    group.add_argument("--ndf", type=int, default=64, help="discriminator width (default 64)")
    group.add_argument("--n-blocks", type=int, default=9, help="residual blocks per encoder (default 9, as --netG set)")
    group.add_argument("--n-layers-d", type=int, default=3, help="discriminator layers (default 3)")
    group.add_argument("--ins-max", type=int, default=4, help="most instances per image, largest first (default 4)")
    group.add_argument("--ins-per", type=int, default=2, help="instances per sequential pass (default 2)")
    group.add_argument("--lambda-cycle", type=float, default=10.0, help="weight of both cycle losses (default 10)")
    group.add_argument("--lambda-identity", type=float, default=1.0, help="identity loss, as a fraction of --lambda-cycle (default 1)")
    group.add_argument("--lambda-ctx", type=float, default=1.0, help="context-preserving loss, as a fraction of --lambda-cycle (default 1)")
    group.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5)")
    add_lr_decay_argument(group)
    export.add_domain_arguments(group)


def merge(masks: torch.Tensor) -> torch.Tensor:
    """The union of masks in [-1, 1] as one channel in [-1, 1]."""
    return ((masks + 1) / 2).sum(dim=1, keepdim=True).clamp(0, 1) * 2 - 1


class InstaGANRecipe(Recipe):
    name = "instagan"
    loss_names = ("D_A", "G_A", "cycle_A", "idt_A", "ctx_A", "D_B", "G_B", "cycle_B", "idt_B", "ctx_B")

    def build_dataset(self) -> InstanceDataset:
        a = self.args
        if a.batch != 1:
            raise SystemExit("instagan trains one image per batch (--batch 1): its set feature sums over the batch")
        if a.ins_per < 1 or a.ins_max < a.ins_per:
            raise SystemExit("--ins-per must be at least 1 and at most --ins-max")
        return InstanceDataset(a.data, make_transform(a, jitter=True), a.ins_max)

    def build(self, dataset: InstanceDataset) -> None:
        a = self.args
        for name in ("G_A", "G_B"):
            self.nets[name] = ResnetSetGenerator(ngf=a.ngf, n_blocks=a.n_blocks)
        for name in ("D_A", "D_B"):
            self.nets[name] = NLayerSetDiscriminator(ndf=a.ndf, n_layers=a.n_layers_d)
        for name in ("G_A", "G_B"):
            # The reference's normal init skips the spectral-normed convs (no `weight` attribute left): D keeps torch's
            init_normal(self.nets[name])
        betas = (a.beta1, 0.999)
        g_params = [p for k in ("G_A", "G_B") for p in self.nets[k].parameters()]
        d_params = [p for k in ("D_A", "D_B") for p in self.nets[k].parameters() if p.requires_grad]
        self.optimizers = {"G": torch.optim.Adam(g_params, lr=a.lr, betas=betas), "D": torch.optim.Adam(d_params, lr=a.lr, betas=betas)}
        self.schedulers = {k: linear_decay_scheduler(o, a.iters, a.decay_iters) for k, o in self.optimizers.items()}
        self.gan = GAN_LOSSES["lsgan"]

    def _direction(self, g: nn.Module, g_back: nn.Module, d: nn.Module, image: torch.Tensor, segs: torch.Tensor,
                   done: list[torch.Tensor], rest: int) -> dict[str, Any]:
        """One direction of one pass: its generator losses and what its discriminator will judge."""
        real = torch.cat([image, segs], dim=1)
        fake = g(real)
        fake_img, fake_segs = fake[:, :3], fake[:, 3:]
        rec = g_back(fake)
        empty = -torch.ones_like(segs[:, :1]).expand(-1, rest, -1, -1)
        fake_mul = torch.cat([fake_img, *done, fake_segs, empty], dim=1)
        weight = (1 - merge(torch.cat([segs, fake_segs], dim=1))) / 2  # 1 outside every instance, 0 inside
        return {
            "fake": fake, "fake_mul": fake_mul,
            "G": self.gan(d(fake_mul), True),
            "cycle": torch.mean(torch.abs(rec - real)),
            "idt": torch.mean(torch.abs(g_back(real) - real)),  # the other generator keeps its own domain
            "ctx": torch.mean(weight * torch.abs(image - fake_img)),
        }

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n = self.args, self.train_nets
        lam = a.lambda_cycle
        img_a, img_b = batch["A"], batch["B"]
        real_a_full = torch.cat([batch["A"], batch["A_segs"]], dim=1)
        real_b_full = torch.cat([batch["B"], batch["B_segs"]], dim=1)
        done_a: list[torch.Tensor] = []  # translated A masks so far (shown to D_A with the image)
        done_b: list[torch.Tensor] = []
        zero = img_a.new_zeros(())
        logged = {k: zero for k in self.loss_names}
        passes = a.ins_max // a.ins_per
        for p in range(passes):
            segs_a = batch["A_segs"][:, p * a.ins_per : (p + 1) * a.ins_per]
            segs_b = batch["B_segs"][:, p * a.ins_per : (p + 1) * a.ins_per]
            here_a, here_b = bool((segs_a + 1).sum() > 0), bool((segs_b + 1).sum() > 0)
            # Under torchrun every rank must run the same passes and directions (their gradients are averaged at each
            # step): a direction runs where any rank has an instance in this pass, its losses weighted 0 on a rank that
            # has none. On one process this is the reference's loop.
            go_a, go_b = any_rank(here_a, self.rt.ctx), any_rank(here_b, self.rt.ctx)
            if not (go_a or go_b):
                break  # masks are sorted: no instance in any later pass either
            w_a, w_b = float(here_a), float(here_b)
            rest = (passes - p - 1) * a.ins_per
            set_requires_grad(self.nets["D_A"], False)
            set_requires_grad(self.nets["D_B"], False)
            self.optimizers["G"].zero_grad(set_to_none=True)
            with self.rt.autocast():
                fa = self._direction(n["G_A"], n["G_B"], self.nets["D_A"], img_a, segs_a, done_a, rest) if go_a else None
                fb = self._direction(n["G_B"], n["G_A"], self.nets["D_B"], img_b, segs_b, done_b, rest) if go_b else None
                total = zero
                for f, w in ((fa, w_a), (fb, w_b)):
                    if f is not None:
                        total = total + w * (f["G"] + lam * (f["cycle"] + a.lambda_identity * f["idt"] + a.lambda_ctx * f["ctx"]))
            self.rt.backward(total)
            self.rt.step(self.optimizers["G"])

            set_requires_grad(self.nets["D_A"], True)
            set_requires_grad(self.nets["D_B"], True)
            self.optimizers["D"].zero_grad(set_to_none=True)
            with self.rt.autocast():
                d_total = zero
                if fa is not None:
                    d_a = 0.5 * (self.gan(n["D_A"](real_b_full), True) + self.gan(n["D_A"](fa["fake_mul"].detach()), False))
                    d_total = d_total + w_a * d_a
                if fb is not None:
                    d_b = 0.5 * (self.gan(n["D_B"](real_a_full), True) + self.gan(n["D_B"](fb["fake_mul"].detach()), False))
                    d_total = d_total + w_b * d_b
            self.rt.backward(d_total)
            self.rt.step(self.optimizers["D"])

            for side, f, d_loss, done in (("A", fa if here_a else None, d_a if here_a else None, done_a),
                                          ("B", fb if here_b else None, d_b if here_b else None, done_b)):
                if f is None:
                    continue
                logged.update({f"D_{side}": d_loss.detach(), f"G_{side}": f["G"].detach(), f"cycle_{side}": f["cycle"].detach(),
                               f"idt_{side}": f["idt"].detach(), f"ctx_{side}": f["ctx"].detach()})
                done.append(f["fake"][:, 3:].detach())
            if here_a:
                img_a = fa["fake"][:, :3].detach()  # the next pass translates this pass's picture
            if here_b:
                img_b = fb["fake"][:, :3].detach()
        return logged

    def _one_pass(self, g: nn.Module, images: torch.Tensor, segs: torch.Tensor) -> torch.Tensor:
        """The first pass (largest masks) image by image: the set sum runs over the batch."""
        per = self.args.ins_per
        return torch.cat([g(torch.cat([images[i : i + 1], segs[i : i + 1, :per]], dim=1)) for i in range(images.shape[0])])

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        return self._one_pass(self.nets["G_A"], batch["A"], batch["A_segs"])[:, :3], batch["B"]

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        fake_b = self._one_pass(self.nets["G_A"], batch["A"], batch["A_segs"])
        fake_a = self._one_pass(self.nets["G_B"], batch["B"], batch["B_segs"])
        as_rgb = lambda m: merge(m).expand(-1, 3, -1, -1)  # noqa: E731
        rows = [batch["A"], as_rgb(batch["A_segs"]), fake_b[:, :3], as_rgb(fake_b[:, 3:]),
                batch["B"], as_rgb(batch["B_segs"]), fake_a[:, :3], as_rgb(fake_a[:, 3:])]
        return torch.cat(rows, 0), batch["A"].shape[0]

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        a = self.args
        return self.nets["G_A"], {"reverse": self.nets["G_B"]}, {"resolution": a.resolution}

    def domains(self) -> dict[str, str] | None:
        return export.domain_names(self.args)


def run(args: argparse.Namespace) -> int:
    return cli_run(InstaGANRecipe, args)
