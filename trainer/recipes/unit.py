"""UNIT (Liu et al. 2017): two VAEs sharing a latent space and two multi-scale LSGAN discriminators, as
mingyuliutw/UNIT trains them.

Per iteration, first the discriminators, then the generators, the latent
sampled as h = mean + n with n ~ N(0, I) (the reference's reduced VAE: unit
variance, so the KL term is the mean of mean**2):

    G: gan_w * (LSGAN(D_a(x_ba)) + LSGAN(D_b(x_ab)))
       + recon_x_w * |x_recon - x| + recon_kl_w * KL(h)               VAE, both domains
       + recon_x_cyc_w * |x_aba - x| + recon_kl_cyc_w * KL(h_recon)    cycle, both domains
    D: gan_w * sum over scales of (D(fake)^2 + (D(real) - 1)^2)
"""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.unit import VAEGen

from .. import losses
from ..loop import cli_run
from ..options import add_common_arguments
from .munit import TwoDomainRecipe, add_shared_arguments

DESCRIPTION = """Train UNIT on two unpaired image domains: DATA/trainA/ and DATA/trainB/.
The export holds domain A's VAE as the model and domain B's as its "domain_b" part:
the app translates A -> B and B -> A. Domain names come from --domain-a/--domain-b or the data."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=256, batch=1, iters=1_000_000, lr=1e-4)
    group = parser.add_argument_group("unit")
    add_shared_arguments(parser, group)
    group.add_argument("--recon-kl-w", type=float, default=0.01, help="weight of the KL term of reconstruction (default 0.01)")
    group.add_argument("--recon-x-cyc-w", type=float, default=10.0, help="weight of cycle consistency (default 10)")
    group.add_argument("--recon-kl-cyc-w", type=float, default=0.01, help="weight of the KL term of the cycle (default 0.01)")


def kl(mean: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, I) || N(0, I)) up to a constant and scale, as the reference computes it: mean(mean**2)."""
    return (mean.float() ** 2).mean()


class UNITPair(nn.Module):
    """gen_a and gen_b; forward is one generator step's computations (noise drawn inside, from the global RNG)."""

    def __init__(self, gen_a: nn.Module, gen_b: nn.Module) -> None:
        super().__init__()
        self.gen_a, self.gen_b = gen_a, gen_b

    def forward(self, x_a: torch.Tensor, x_b: torch.Tensor) -> dict[str, Any]:
        h_a, h_b = self.gen_a.encode(x_a), self.gen_b.encode(x_b)
        z_a, z_b = h_a + torch.randn_like(h_a), h_b + torch.randn_like(h_b)
        x_ba, x_ab = self.gen_a.decode(z_b), self.gen_b.decode(z_a)
        h_b_recon, h_a_recon = self.gen_a.encode(x_ba), self.gen_b.encode(x_ab)
        return {
            "h_a": h_a, "h_b": h_b, "h_a_recon": h_a_recon, "h_b_recon": h_b_recon, "x_ba": x_ba, "x_ab": x_ab,
            "x_a_recon": self.gen_a.decode(z_a), "x_b_recon": self.gen_b.decode(z_b),
            "x_aba": self.gen_a.decode(h_a_recon + torch.randn_like(h_a_recon)),
            "x_bab": self.gen_b.decode(h_b_recon + torch.randn_like(h_b_recon)),
        }


class UNITRecipe(TwoDomainRecipe):
    name = "unit"
    loss_names = ("D_a", "D_b", "G_adv_a", "G_adv_b", "recon_x_a", "recon_x_b", "kl_a", "kl_b", "cyc_x_a", "cyc_x_b", "kl_cyc_a", "kl_cyc_b")

    def make_generator(self) -> nn.Module:
        a = self.args
        return VAEGen(input_dim=3, dim=a.dim, n_downsample=a.n_downsample, n_res=a.n_res, activ=a.activ, pad_type=a.pad_type)

    def pair(self, gen_a: nn.Module, gen_b: nn.Module) -> nn.Module:
        return UNITPair(gen_a, gen_b)

    def fakes(self, real_a: torch.Tensor, real_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        gen = self.nets["gen"]
        h_a, h_b = gen.gen_a.encode(real_a), gen.gen_b.encode(real_b)
        return gen.gen_a.decode(h_b + torch.randn_like(h_b)), gen.gen_b.decode(h_a + torch.randn_like(h_a))

    def translate_a_to_b(self, x_a: torch.Tensor) -> torch.Tensor:
        """The shared code's mean, without the sampling noise (as the app translates)."""
        gen = self.nets["gen"]
        return gen.gen_b.decode(gen.gen_a.encode(x_a))

    def generator_terms(self, real_a: torch.Tensor, real_b: torch.Tensor) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        with self.rt.autocast():
            o = self.train_nets["gen"](real_a, real_b)
        terms = {
            "recon_x_a": losses.l1(o["x_a_recon"], real_a), "recon_x_b": losses.l1(o["x_b_recon"], real_b),
            "kl_a": kl(o["h_a"]), "kl_b": kl(o["h_b"]),
            "cyc_x_a": losses.l1(o["x_aba"], real_a), "cyc_x_b": losses.l1(o["x_bab"], real_b),
            "kl_cyc_a": kl(o["h_a_recon"]), "kl_cyc_b": kl(o["h_b_recon"]),
        }
        return o, terms

    def term_weights(self) -> dict[str, float]:
        a = self.args
        return {"recon_x": a.recon_x_w, "kl": a.recon_kl_w, "cyc_x": a.recon_x_cyc_w, "kl_cyc": a.recon_kl_cyc_w}

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        gen = self.nets["gen"]
        x_a, x_b = batch["A"], batch["B"]
        h_a, h_b = gen.gen_a.encode(x_a), gen.gen_b.encode(x_b)
        rows = [x_a, gen.gen_a.decode(h_a), gen.gen_b.decode(h_a), x_b, gen.gen_b.decode(h_b), gen.gen_a.decode(h_b)]
        return torch.cat(rows, 0), x_a.shape[0]


def run(args: argparse.Namespace) -> int:
    return cli_run(UNITRecipe, args)
