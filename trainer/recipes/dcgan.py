"""DCGAN (Radford et al. 2016): transposed-convolution generator with batch norm, a mirrored
convolutional discriminator, the non-saturating cross-entropy loss and Adam(2e-4, 0.5, 0.999), as
pytorch/examples trains it. `ZGeneratorRecipe` holds what the WGAN-GP recipe shares with it."""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.dcgan import RESOLUTIONS, DCGANDiscriminator, DCGANGenerator

from .. import losses
from ..data import ImageFolderDataset
from ..loop import cli_run
from ..options import add_common_arguments
from ..recipe import Recipe, make_transform, set_requires_grad

DESCRIPTION = """Train a DCGAN on a folder of images (DATA/images/ or DATA, searched recursively).
--resolution is one of 16, 32, 64 (pytorch/examples' size), 128, 256. The export is the
generator, run with its batch-norm running statistics."""


def add_dcgan_arguments(parser: argparse.ArgumentParser, *, lr: float) -> None:
    add_common_arguments(parser, resolution=64, batch=64, iters=100_000, lr=lr)
    group = parser.add_argument_group("dcgan")
    group.add_argument("--z-dim", type=int, default=100, help="latent z size (default 100)")
    group.add_argument("--ngf", type=int, default=64, help="generator width: channels of the last hidden layer (default 64)")
    group.add_argument("--ndf", type=int, default=64, help="discriminator width: channels of the first layer (default 64)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_dcgan_arguments(parser, lr=2e-4)
    parser.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5, as the paper)")


class ZGeneratorRecipe(Recipe):
    """A generator from z alone (DCGAN, WGAN-GP, ProGAN): image folder data, fixed-z samples, the
    generator exported with its resolution."""

    sample_net = "G"

    def build_dataset(self) -> ImageFolderDataset:
        return ImageFolderDataset(self.args.data, make_transform(self.args, jitter=False))

    def _z(self, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(count, self.args.z_dim, generator=generator).to(self.rt.device) if generator is not None \
            else torch.randn(count, self.args.z_dim, device=self.rt.device)

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Images of the exported network (eval mode: batch norm's running statistics), training mode restored."""
        net = self.nets[self.sample_net]
        was_training = net.training
        net.eval()
        try:
            return net(z)
        finally:
            net.train(was_training)

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        return self.generate(self._z(16, torch.Generator().manual_seed(1234))).clamp(-1, 1), 8

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        real = batch["image"]
        return self.generate(self._z(real.shape[0])).clamp(-1, 1), real

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        return self.nets[self.sample_net], {}, {"resolution": self.args.resolution}


class DCGANRecipe(ZGeneratorRecipe):
    name = "dcgan"
    loss_names = ("G_gan", "D_real", "D_fake")
    critic_norm = "batch"

    def build(self, dataset: ImageFolderDataset) -> None:
        a = self.args
        if a.resolution not in RESOLUTIONS:
            raise ValueError(f"--resolution must be one of {RESOLUTIONS}, got {a.resolution}")
        self.nets["G"] = DCGANGenerator(z_dim=a.z_dim, ngf=a.ngf, img_channels=3, img_resolution=a.resolution)
        self.nets["D"] = DCGANDiscriminator(ndf=a.ndf, img_channels=3, img_resolution=a.resolution, norm=self.critic_norm)
        for net in self.nets.values():  # the paper's N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales
            net.apply(init_dcgan_weights)
        self.build_optimizers()

    def build_optimizers(self) -> None:
        a = self.args
        for name in ("G", "D"):
            self.optimizers[name] = torch.optim.Adam(self.nets[name].parameters(), lr=a.lr, betas=(a.beta1, 0.999))

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        n, out = self.train_nets, {}
        real = batch["image"]
        z = self._z(real.shape[0])
        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            fake = n["G"](z)
            out["D_real"] = losses.vanilla_gan(n["D"](self.augment_d(real)), True)
            out["D_fake"] = losses.vanilla_gan(n["D"](self.augment_d(fake.detach())), False)
        self.rt.backward(out["D_real"] + out["D_fake"])
        self.rt.step(self.optimizers["D"])

        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            out["G_gan"] = losses.vanilla_gan(n["D"](self.augment_d(fake)), True)
        self.rt.backward(out["G_gan"])
        self.rt.step(self.optimizers["G"])
        return out


def init_dcgan_weights(module: nn.Module) -> None:
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def run(args: argparse.Namespace) -> int:
    return cli_run(DCGANRecipe, args)
