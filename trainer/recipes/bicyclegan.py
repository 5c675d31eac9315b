"""BicycleGAN (Zhu et al. 2017): many plausible outputs for one input.

Each batch is split in two halves, as the reference trainer does. On the first
(A1, B1) the cVAE-GAN: E encodes B1 to (mu, logvar), z = mu + sigma * eps, G(A1, z)
must rebuild B1 (L1) and fool D; KL(N(mu, sigma) || N(0, I)) keeps the codes
near the prior. The cLR-GAN: G(A1, z_random) must fool D2 (which sees real
photos of the second half, B2), and E's mean of that output must give back
z_random (L1, a gradient for G only: the reference freezes E for it).
Defaults are the reference's: lambda_L1 10, lambda_GAN = lambda_GAN2 1,
lambda_z 0.5, lambda_kl 0.01, LSGAN, two discriminators of two scales each
(``basic_256_multi``, num_Ds 2), instance norm, nz 8, Adam(2e-4, 0.5), batch 2.

The two generator passes run as one batch (instance norm is per image, so
this equals two calls) and every loss takes one backward, which DDP needs;
E's parameters are detached in the latent-regression pass instead of frozen.
The export holds G and its encoder as the "encoder" part.
"""
from __future__ import annotations

import argparse
import math
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from ganstudio.models.bicyclegan import BicycleGenerator, ResNetEncoder
from ganstudio.models.patchgan import NLayerDiscriminator

from .. import export, losses
from ..data import PairedDataset
from ..loop import cli_run
from ..options import add_common_arguments, add_lr_decay_argument
from ..recipe import Recipe, linear_decay_scheduler, make_transform, set_requires_grad

DESCRIPTION = """Train BicycleGAN on paired images whose targets vary (several plausible
photos for one input). DATA holds A/ and B/ folders with files of the same names
(input in A, target in B), or side-by-side images in DATA/train/ or DATA itself.
The exported model takes a style code besides the input; its encoder (exported
with it) takes the style of a photo."""

GAN_LOSSES = {"vanilla": losses.vanilla_gan, "lsgan": losses.least_squares_gan}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=256, batch=2, iters=100_000, lr=2e-4)
    group = parser.add_argument_group("bicyclegan")
    group.add_argument("--direction", choices=["AtoB", "BtoA"], default="AtoB", help="which side is the input (default AtoB)")
    group.add_argument("--nz", type=int, default=8, help="style code size (default 8)")
    group.add_argument("--ngf", type=int, default=64, help="generator width (default 64)")
    group.add_argument("--nef", type=int, default=64, help="encoder width (default 64)")
    group.add_argument("--ndf", type=int, default=64, help="discriminator width; not exported (default 64)")
    group.add_argument("--num-downs", type=int, default=None, help="U-Net halvings (default log2 of --resolution: unet_256 at 256)")
    group.add_argument("--num-ds", type=int, default=2, help="scales per discriminator (default 2)")
    group.add_argument("--n-layers-d", type=int, default=3, help="PatchGAN layers per scale (default 3)")
    group.add_argument("--norm", choices=["batch", "instance", "none"], default="instance", help="normalisation layers (default instance)")
    group.add_argument("--upsample", choices=["basic", "bilinear"], default="basic", help="generator up-sampling (default basic)")
    group.add_argument("--where-add", choices=["all", "input"], default="all", help="feed z to every U-Net level or the input only (default all)")
    group.add_argument("--no-dropout", action="store_true", help="no dropout in the generator (the published models use it)")
    group.add_argument("--gan-mode", choices=sorted(GAN_LOSSES), default="lsgan", help="adversarial loss (default lsgan)")
    group.add_argument("--lambda-l1", type=float, default=10.0, help="weight of |B - G(A, E(B))| (default 10)")
    group.add_argument("--lambda-gan", type=float, default=1.0, help="weight of D's loss on G(A, E(B)) (default 1)")
    group.add_argument("--lambda-gan2", type=float, default=1.0, help="weight of D2's loss on G(A, z) (default 1)")
    group.add_argument("--lambda-z", type=float, default=0.5, help="weight of |E(G(A, z)) - z| (default 0.5)")
    group.add_argument("--lambda-kl", type=float, default=0.01, help="weight of the KL term (default 0.01)")
    group.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5)")
    add_lr_decay_argument(group)
    export.add_domain_arguments(group)


class MultiScalePatchGAN(nn.Module):
    """`num_d` PatchGANs on the image and its 2x, 4x... average-pooled copies, widths ndf, ndf/2, ... (``D_NLayersMulti``)."""

    def __init__(self, *, input_nc: int, ndf: int, n_layers: int, num_d: int, norm: str) -> None:
        super().__init__()
        self.scales = nn.ModuleList(
            NLayerDiscriminator(input_nc=input_nc, ndf=max(1, round(ndf / 2**i)), n_layers=n_layers, norm=norm) for i in range(num_d)
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, scale in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            out.append(scale(x))
        return out


class BicycleGANRecipe(Recipe):
    name = "bicyclegan"
    loss_names = ("G_GAN", "G_GAN2", "G_L1", "z_L1", "kl", "D", "D2")

    def build_dataset(self) -> PairedDataset:
        if self.args.batch % 2:
            raise SystemExit("bicyclegan: --batch must be even (half the batch is encoded, half takes random codes)")
        return PairedDataset(self.args.data, make_transform(self.args, jitter=True), self.args.direction)

    def build(self, dataset: PairedDataset) -> None:
        a = self.args
        side = a.resolution
        if side & (side - 1) or side < 32:
            raise SystemExit(f"bicyclegan: --resolution must be a power of two of at least 32 (the encoder averages an 8x8 map), got {side}")
        least = 6 if a.where_add == "all" else 5  # the add-all U-Net always has the level around the innermost
        num_downs = a.num_downs or max(least, int(math.log2(side)))
        if side % 2**num_downs:
            raise SystemExit(f"bicyclegan: --resolution {side} is not a multiple of 2**{num_downs} (the U-Net's halvings); "
                             f"use at least {2**least} or fewer --num-downs")
        self.nets["G"] = BicycleGenerator(input_nc=3, output_nc=3, nz=a.nz, num_downs=num_downs, ngf=a.ngf, norm=a.norm,
                                          upsample=a.upsample, use_dropout=not a.no_dropout, where_add=a.where_add)
        self.nets["E"] = ResNetEncoder(input_nc=3, nz=a.nz, nef=a.nef, n_blocks=int(math.log2(side)) - 3, norm=a.norm)
        for key in ("D", "D2"):
            self.nets[key] = MultiScalePatchGAN(input_nc=3, ndf=a.ndf, n_layers=a.n_layers_d, num_d=a.num_ds, norm=a.norm)
        for net in self.nets.values():
            init_xavier(net)
        betas = (a.beta1, 0.999)
        self.optimizers = {k: torch.optim.Adam(net.parameters(), lr=a.lr, betas=betas) for k, net in self.nets.items()}
        self.schedulers = {k: linear_decay_scheduler(o, a.iters, a.decay_iters) for k, o in self.optimizers.items()}
        self.gan = GAN_LOSSES[a.gan_mode]

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a = self.args
        G, E = self.train_nets["G"], self.train_nets["E"]
        half = batch["A"].shape[0] // 2
        real_a = batch["A"][:half]
        real_b_encoded, real_b_random = batch["B"][:half], batch["B"][half:]
        z_random = torch.randn(half, a.nz, device=real_a.device)

        # -- G and E
        set_requires_grad(self.nets["D"], False)
        set_requires_grad(self.nets["D2"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        self.optimizers["E"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            mu, logvar = E(real_b_encoded)
            z_encoded = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            fakes = G(torch.cat([real_a, real_a]), torch.cat([z_encoded, z_random]))
            fake_encoded, fake_random = fakes[:half], fakes[half:]
            g_gan = self.gan(self.nets["D"](self.augment_d(fake_encoded)), True)
            g_gan2 = self.gan(self.nets["D2"](self.augment_d(fake_random)), True)
            # E's mean of the random-code output, with E's weights detached: the gradient reaches G only
            frozen = {name: p.detach() for name, p in self.nets["E"].named_parameters()}
            mu2 = functional_call(self.nets["E"], frozen, (fake_random,))[0]
        g_l1 = losses.l1(fake_encoded, real_b_encoded)
        kl = losses.kl_divergence(mu, logvar)
        z_l1 = losses.l1(mu2, z_random)
        total = a.lambda_gan * g_gan + a.lambda_gan2 * g_gan2 + a.lambda_l1 * g_l1 + a.lambda_kl * kl + a.lambda_z * z_l1
        self.rt.backward(total)
        self.rt.step(self.optimizers["E"])
        self.rt.step(self.optimizers["G"])

        # -- the discriminators: D on encoded fakes against B1, D2 on random-code fakes against B2
        out = {"G_GAN": g_gan, "G_GAN2": g_gan2, "G_L1": g_l1, "z_L1": z_l1, "kl": kl}
        for key, real, fake in (("D", real_b_encoded, fake_encoded), ("D2", real_b_random, fake_random)):
            set_requires_grad(self.nets[key], True)
            self.optimizers[key].zero_grad(set_to_none=True)
            with self.rt.autocast():
                d_loss = (self.gan(self.train_nets[key](self.augment_d(fake.detach())), False)
                          + self.gan(self.train_nets[key](self.augment_d(real)), True))
            self.rt.backward(d_loss)
            self.rt.step(self.optimizers[key])
            out[key] = d_loss
        return out

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Translations with fixed random codes (the app's default look) against the photos."""
        real_a = batch["A"]
        z = torch.randn(real_a.shape[0], self.args.nz, generator=torch.Generator().manual_seed(0)).to(real_a.device)
        return self.nets["G"](real_a, z), batch["B"]

    @torch.no_grad()
    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        """Per input: the input, three random codes, the code of its own photo, the photo."""
        G, E = self.nets["G"].eval(), self.nets["E"].eval()
        real_a, real_b = batch["A"], batch["B"]
        n = real_a.shape[0]
        generator = torch.Generator().manual_seed(0)
        columns = [real_a]
        for _ in range(3):
            columns.append(G(real_a, torch.randn(n, self.args.nz, generator=generator).to(real_a.device)))
        columns.append(G(real_a, E(real_b)[0]))
        columns.append(real_b)
        grid = torch.stack(columns, 1).flatten(0, 1)
        G.train()
        E.train()
        return grid, len(columns)

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        return self.nets["G"], {"encoder": self.nets["E"]}, {"resolution": self.args.resolution}

    def domains(self) -> dict[str, str] | None:
        return export.domain_names(self.args, swap=self.args.direction == "BtoA")


def init_xavier(net: nn.Module, gain: float = 0.02) -> None:
    """The reference's default init (xavier normal, gain 0.02; norm weights N(1, 0.02); biases 0)."""
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_normal_(module.weight, gain=gain)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d) and module.affine:
            nn.init.normal_(module.weight, 1.0, gain)
            nn.init.zeros_(module.bias)


def run(args: argparse.Namespace) -> int:
    return cli_run(BicycleGANRecipe, args)
