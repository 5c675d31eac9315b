"""WGAN-GP (Gulrajani et al. 2017) on the DCGAN networks: the critic has no batch norm (it would tie
each sample's gradient to the batch's, which the per-sample gradient penalty assumes it is not),
Wasserstein loss with a gradient penalty at random interpolates (lambda 10), Adam(1e-4, 0, 0.9), and
the generator steps once per --n-critic critic steps. Each iteration is one critic step on a fresh
batch, so resuming at any iteration is exact."""
from __future__ import annotations

import argparse

import torch

from .. import losses
from ..data import ImageFolderDataset
from ..loop import cli_run
from ..recipe import set_requires_grad
from .dcgan import DCGANRecipe, add_dcgan_arguments

DESCRIPTION = """Train a DCGAN generator with the WGAN-GP critic and loss on a folder of images
(DATA/images/ or DATA). One iteration is one critic step; the generator steps every --n-critic."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_dcgan_arguments(parser, lr=1e-4)
    group = parser.add_argument_group("wgan-gp")
    group.add_argument("--n-critic", type=int, default=5, help="critic steps per generator step (default 5)")
    group.add_argument("--gp-lambda", type=float, default=10.0, help="gradient penalty weight (default 10)")
    group.add_argument("--beta1", type=float, default=0.0, help="Adam beta1 (default 0)")
    group.add_argument("--beta2", type=float, default=0.9, help="Adam beta2 (default 0.9)")


class WGANGPRecipe(DCGANRecipe):
    name = "wgan_gp"
    loss_names = ("G_wgan", "D_real", "D_fake", "D_gp")
    critic_norm = "none"

    def build(self, dataset: ImageFolderDataset) -> None:
        if self.args.n_critic < 1:
            raise ValueError(f"--n-critic must be at least 1, got {self.args.n_critic}")
        super().build(dataset)

    def build_optimizers(self) -> None:
        a = self.args
        for name in ("G", "D"):
            self.optimizers[name] = torch.optim.Adam(self.nets[name].parameters(), lr=a.lr, betas=(a.beta1, a.beta2))

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n, out = self.args, self.train_nets, {}
        real = batch["image"]
        count = real.shape[0]
        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with torch.no_grad(), self.rt.autocast():
            fake = n["G"](self._z(count))
        with self.rt.autocast():
            out["D_real"] = losses.wasserstein(n["D"](self.augment_d(real)), True)
            out["D_fake"] = losses.wasserstein(n["D"](self.augment_d(fake)), False)
        mix = torch.rand(count, 1, 1, 1, device=real.device)
        between = (mix * real + (1 - mix) * fake.float()).requires_grad_(True)
        out["D_gp"] = losses.gradient_penalty(n["D"](self.augment_d(between)), between)
        self.rt.backward(out["D_real"] + out["D_fake"] + a.gp_lambda * out["D_gp"])
        self.rt.step(self.optimizers["D"])

        if (iteration + 1) % a.n_critic == 0:
            set_requires_grad(self.nets["D"], False)
            self.optimizers["G"].zero_grad(set_to_none=True)
            with self.rt.autocast():
                out["G_wgan"] = losses.wasserstein(n["D"](self.augment_d(n["G"](self._z(count)))), True)
            self.rt.backward(out["G_wgan"])
            self.rt.step(self.optimizers["G"])
        return out


def run(args: argparse.Namespace) -> int:
    return cli_run(WGANGPRecipe, args)
