"""CycleGAN (Zhu et al. 2017): two ResNet generators, two PatchGAN
discriminators, least-squares GAN loss, cycle and identity losses, a replay
buffer of past fakes, and linear learning-rate decay."""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.cyclegan import ResnetGenerator
from ganstudio.models.junyanz_norms import set_reference_test_mode
from ganstudio.models.patchgan import NLayerDiscriminator

from .. import export, losses
from ..data import UnpairedDataset
from ..loop import cli_run
from ..options import add_common_arguments, add_lr_decay_argument
from ..recipe import Recipe, linear_decay_scheduler, make_transform, set_requires_grad
from ..replay import ReplayBuffer
from .pix2pix import GAN_LOSSES, init_normal

DESCRIPTION = """Train CycleGAN on two unpaired image domains: DATA/trainA/ and DATA/trainB/.
The export holds G_A (A to B) as the model and G_B (B to A) as its "reverse" part,
and the domains' names (--domain-a/--domain-b, or a DATA folder named like
horse2zebra) for the app's direction menu."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=256, batch=1, iters=200_000, lr=2e-4)
    group = parser.add_argument_group("cyclegan")
    group.add_argument("--ngf", type=int, default=64, help="generator width (default 64)")
    group.add_argument("--ndf", type=int, default=64, help="discriminator width (default 64)")
    group.add_argument("--n-blocks", type=int, default=None, help="ResNet blocks (default 9 at >= 256 px, else 6)")
    group.add_argument("--n-layers-d", type=int, default=3, help="PatchGAN layers (default 3)")
    group.add_argument("--norm", choices=["batch", "instance", "none"], default="instance", help="normalisation (default instance)")
    group.add_argument("--gan-mode", choices=sorted(GAN_LOSSES), default="lsgan", help="adversarial loss (default lsgan)")
    group.add_argument("--lambda-cycle", type=float, default=10.0, help="weight of both cycle losses (default 10)")
    group.add_argument("--lambda-identity", type=float, default=0.5, help="identity loss, as a fraction of --lambda-cycle (default 0.5)")
    group.add_argument("--pool-size", type=int, default=50, help="replay buffer of generated images per domain, 0 to disable (default 50)")
    group.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5)")
    add_lr_decay_argument(group)
    export.add_domain_arguments(group)


class CycleGANRecipe(Recipe):
    name = "cyclegan"
    loss_names = ("D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B")

    def build_dataset(self) -> UnpairedDataset:
        return UnpairedDataset(self.args.data, make_transform(self.args, jitter=True))

    def build(self, dataset: UnpairedDataset) -> None:
        a = self.args
        n_blocks = a.n_blocks if a.n_blocks is not None else (9 if a.resolution >= 256 else 6)
        for name in ("G_A", "G_B"):
            self.nets[name] = ResnetGenerator(input_nc=3, output_nc=3, ngf=a.ngf, norm=a.norm, n_blocks=n_blocks)
        for name in ("D_A", "D_B"):
            self.nets[name] = NLayerDiscriminator(input_nc=3, ndf=a.ndf, n_layers=a.n_layers_d, norm=a.norm)
        for net in self.nets.values():
            init_normal(net)
        betas = (a.beta1, 0.999)
        generator_params = list(self.nets["G_A"].parameters()) + list(self.nets["G_B"].parameters())
        discriminator_params = list(self.nets["D_A"].parameters()) + list(self.nets["D_B"].parameters())
        self.optimizers = {
            "G": torch.optim.Adam(generator_params, lr=a.lr, betas=betas),
            "D": torch.optim.Adam(discriminator_params, lr=a.lr, betas=betas),
        }
        self.schedulers = {k: linear_decay_scheduler(o, a.iters, a.decay_iters) for k, o in self.optimizers.items()}
        self.gan = GAN_LOSSES[a.gan_mode]
        rank = self.rt.ctx.rank
        self.pool_a = ReplayBuffer(a.pool_size, seed=a.seed * 2 + 1 + 1000 * rank)  # past fake A images
        self.pool_b = ReplayBuffer(a.pool_size, seed=a.seed * 2 + 2 + 1000 * rank)  # past fake B images

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n = self.args, self.train_nets
        real_a, real_b = batch["A"], batch["B"]
        lambda_idt = a.lambda_cycle * a.lambda_identity

        set_requires_grad(self.nets["D_A"], False)
        set_requires_grad(self.nets["D_B"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            fake_b = n["G_A"](real_a)
            rec_a = n["G_B"](fake_b)
            fake_a = n["G_B"](real_b)
            rec_b = n["G_A"](fake_a)
            g_a = self.gan(self.nets["D_A"](self.augment_d(fake_b)), True)
            g_b = self.gan(self.nets["D_B"](self.augment_d(fake_a)), True)
            if lambda_idt > 0:
                idt_a = losses.l1(n["G_A"](real_b), real_b)
                idt_b = losses.l1(n["G_B"](real_a), real_a)
            else:
                idt_a = idt_b = real_a.new_zeros(())
        cycle_a = losses.l1(rec_a, real_a)
        cycle_b = losses.l1(rec_b, real_b)
        total = g_a + g_b + a.lambda_cycle * (cycle_a + cycle_b) + lambda_idt * (idt_a + idt_b)
        self.rt.backward(total)
        self.rt.step(self.optimizers["G"])

        set_requires_grad(self.nets["D_A"], True)
        set_requires_grad(self.nets["D_B"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            pooled_b = self.pool_b.query(fake_b)
            d_a = 0.5 * (self.gan(n["D_A"](self.augment_d(real_b)), True) + self.gan(n["D_A"](self.augment_d(pooled_b)), False))
            pooled_a = self.pool_a.query(fake_a)
            d_b = 0.5 * (self.gan(n["D_B"](self.augment_d(real_a)), True) + self.gan(n["D_B"](self.augment_d(pooled_a)), False))
        self.rt.backward(d_a + d_b)
        self.rt.step(self.optimizers["D"])
        return {"D_A": d_a, "G_A": g_a, "cycle_A": cycle_a, "idt_A": idt_a, "D_B": d_b, "G_B": g_b, "cycle_B": cycle_b, "idt_B": idt_b}

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        """A -> B translations against the B photos (the exported direction)."""
        return set_reference_test_mode(self.nets["G_A"])(batch["A"]), batch["B"]

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        g_a = set_reference_test_mode(self.nets["G_A"])
        g_b = set_reference_test_mode(self.nets["G_B"])
        fake_b, fake_a = g_a(batch["A"]), g_b(batch["B"])
        rows = [batch["A"], fake_b, g_b(fake_b), batch["B"], fake_a, g_a(fake_a)]
        return torch.cat(rows, 0), batch["A"].shape[0]

    def extra_state(self) -> dict[str, Any]:
        return {"pool_a": self.pool_a.state_dict(), "pool_b": self.pool_b.state_dict()}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.pool_a.load_state_dict(state["pool_a"], self.rt.device)
        self.pool_b.load_state_dict(state["pool_b"], self.rt.device)

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        return self.nets["G_A"], {"reverse": self.nets["G_B"]}, {"resolution": self.args.resolution}

    def domains(self) -> dict[str, str] | None:
        return export.domain_names(self.args)


def run(args: argparse.Namespace) -> int:
    return cli_run(CycleGANRecipe, args)
