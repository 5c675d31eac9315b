"""pix2pix (Isola et al. 2017): U-Net generator, PatchGAN discriminator on
(input, output) pairs, conditional GAN loss + lambda * L1."""
from __future__ import annotations

import argparse
import math
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.junyanz_norms import set_reference_test_mode
from ganstudio.models.patchgan import NLayerDiscriminator
from ganstudio.models.pix2pix import UnetGenerator

from .. import export, losses
from ..data import PairedDataset
from ..loop import cli_run
from ..options import add_common_arguments, add_lr_decay_argument
from ..recipe import Recipe, linear_decay_scheduler, make_transform, set_requires_grad

DESCRIPTION = """Train pix2pix on paired images.
DATA holds either A/ and B/ folders with files of the same names (input in A,
target in B), or side-by-side images (input on the left, target on the right)
in DATA/train/ or DATA itself."""

GAN_LOSSES = {"vanilla": losses.vanilla_gan, "lsgan": losses.least_squares_gan}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=256, batch=1, iters=100_000, lr=2e-4)
    group = parser.add_argument_group("pix2pix")
    group.add_argument("--direction", choices=["AtoB", "BtoA"], default="AtoB", help="which side is the input (default AtoB)")
    group.add_argument("--ngf", type=int, default=64, help="generator width; the file grows with its square: at 128 px, 64 exports "
                       "42 M weights (84 MB in float16), 24 (the bundled model's) 5.9 M (12 MB) (default 64, the paper's)")
    group.add_argument("--ndf", type=int, default=64, help="discriminator width; the discriminator is not exported (default 64)")
    group.add_argument("--num-downs", type=int, default=None, help="U-Net halvings (default log2 of --resolution: unet_256 at 256)")
    group.add_argument("--n-layers-d", type=int, default=3, help="PatchGAN layers (default 3: 70x70 patches)")
    group.add_argument("--norm", choices=["batch", "instance", "none"], default="batch", help="normalisation layers (default batch)")
    group.add_argument("--no-dropout", action="store_true", help="no dropout in the generator")
    group.add_argument("--gan-mode", choices=sorted(GAN_LOSSES), default="vanilla", help="adversarial loss (default vanilla)")
    group.add_argument("--lambda-l1", type=float, default=100.0, help="weight of the L1 loss (default 100)")
    group.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5)")
    add_lr_decay_argument(group)
    export.add_domain_arguments(group)


class Pix2PixRecipe(Recipe):
    name = "pix2pix"
    loss_names = ("G_GAN", "G_L1", "D_real", "D_fake")

    def build_dataset(self) -> PairedDataset:
        return PairedDataset(self.args.data, make_transform(self.args, jitter=True), self.args.direction)

    def build(self, dataset: PairedDataset) -> None:
        a = self.args
        num_downs = a.num_downs or max(5, int(math.log2(a.resolution)))
        self.nets["G"] = UnetGenerator(input_nc=3, output_nc=3, num_downs=num_downs, ngf=a.ngf, norm=a.norm, use_dropout=not a.no_dropout)
        # conditional D sees input and output stacked
        self.nets["D"] = NLayerDiscriminator(input_nc=6, ndf=a.ndf, n_layers=a.n_layers_d, norm=a.norm)
        for net in self.nets.values():
            init_normal(net)
        betas = (a.beta1, 0.999)
        self.optimizers = {
            "G": torch.optim.Adam(self.nets["G"].parameters(), lr=a.lr, betas=betas),
            "D": torch.optim.Adam(self.nets["D"].parameters(), lr=a.lr, betas=betas),
        }
        self.schedulers = {k: linear_decay_scheduler(o, a.iters, a.decay_iters) for k, o in self.optimizers.items()}
        self.gan = GAN_LOSSES[a.gan_mode]

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        G, D = self.train_nets["G"], self.train_nets["D"]
        real_a, real_b = batch["A"], batch["B"]
        with self.rt.autocast():
            fake_b = G(real_a)

        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            d_fake = self.gan(D(self.pair(real_a, fake_b.detach())), False)
            d_real = self.gan(D(self.pair(real_a, real_b)), True)
        self.rt.backward((d_fake + d_real) * 0.5)
        self.rt.step(self.optimizers["D"])

        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            g_gan = self.gan(self.nets["D"](self.pair(real_a, fake_b)), True)
        g_l1 = losses.l1(fake_b, real_b)
        self.rt.backward(g_gan + self.args.lambda_l1 * g_l1)
        self.rt.step(self.optimizers["G"])
        return {"G_GAN": g_gan, "G_L1": g_l1, "D_real": d_real, "D_fake": d_fake}

    def pair(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """D's input (A, B), with --diffaugment moving both alike and colouring only B."""
        b, a = self.augment_d(b, a)
        return torch.cat([a, b], 1)

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        return set_reference_test_mode(self.nets["G"])(batch["A"]), batch["B"]

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        G = set_reference_test_mode(self.nets["G"])
        fake = G(batch["A"])
        return torch.cat([batch["A"], fake, batch["B"]], 0), batch["A"].shape[0]

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        return self.nets["G"], {}, {"resolution": self.args.resolution}

    def domains(self) -> dict[str, str] | None:
        # with --direction BtoA the model takes the data's B images
        return export.domain_names(self.args, swap=self.args.direction == "BtoA")


def init_normal(net: nn.Module, gain: float = 0.02) -> None:
    """The junyanz 'normal' init: conv weights N(0, 0.02), norm weights N(1, 0.02), biases 0."""
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(module.weight, 0.0, gain)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d) and module.affine:
            nn.init.normal_(module.weight, 1.0, gain)
            nn.init.zeros_(module.bias)


def run(args: argparse.Namespace) -> int:
    return cli_run(Pix2PixRecipe, args)
