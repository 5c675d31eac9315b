"""MUNIT (Huang et al. 2018): two AdaIN auto-encoders (content + style per domain) and two multi-scale
LSGAN discriminators, as NVlabs/MUNIT trains them.

Per iteration, first the discriminators, then the generators (the reference's
order), each with freshly drawn prior styles s ~ N(0, I):

    G: gan_w * (LSGAN(D_a(x_ba)) + LSGAN(D_b(x_ab)))
       + recon_x_w * |dec(enc(x)) - x|       image reconstruction, both domains
       + recon_s_w * |E_style(x_ab) - s_b|   style reconstruction
       + recon_c_w * |E_content(x_ab) - c_a| content reconstruction
       + recon_x_cyc_w * cycle               (0 in the published configs)
    D: gan_w * sum over scales of (D(fake)^2 + (D(real) - 1)^2)

Adam (beta1 0.5, weight decay 1e-4), lr 1e-4 halved every --step-size
iterations; Kaiming init for the generators, N(0, 0.02) for D. The two
generators run inside one module (`GenPair`) so that one forward per backward
keeps DistributedDataParallel's gradient averaging.
"""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn as nn
import torch.nn.init as init

from ganstudio.models.munit import AdaINGen
from ganstudio.models.munit_blocks import ACTIVATIONS, PAD_TYPES, MsImageDis

from .. import export, losses
from ..data import UnpairedDataset
from ..loop import cli_run
from ..options import add_common_arguments
from ..recipe import Recipe, make_transform, set_requires_grad

DESCRIPTION = """Train MUNIT on two unpaired image domains: DATA/trainA/ and DATA/trainB/.
The export holds domain A's auto-encoder as the model and domain B's as its
"domain_b" part: the app translates A -> B and B -> A with random or encoded
styles. Domain names come from --domain-a/--domain-b or the data (see cyclegan)."""


def init_kaiming(net: nn.Module) -> None:
    """The reference's 'kaiming' init: Conv*/Linear weights ~ Kaiming normal (fan in), biases 0."""
    _init(net, lambda w: init.kaiming_normal_(w, a=0, mode="fan_in"))


def init_gaussian(net: nn.Module) -> None:
    _init(net, lambda w: init.normal_(w, 0.0, 0.02))


def _init(net: nn.Module, fill) -> None:
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fill(m.weight.data)
            if m.bias is not None:
                init.zeros_(m.bias.data)


def lsgan_sum(outputs: list[torch.Tensor], target: float) -> torch.Tensor:
    """The reference's multi-scale LSGAN term: the sum over scales of the mean squared distance to `target`."""
    return sum(((o.float() - target) ** 2).mean() for o in outputs)


def add_shared_arguments(parser: argparse.ArgumentParser, group: argparse._ArgumentGroup) -> None:
    """Options MUNIT and UNIT share: networks, discriminator, optimiser (the published configs' values)."""
    group.add_argument("--dim", type=int, default=64, help="generator width at full resolution (default 64)")
    group.add_argument("--n-downsample", type=int, default=2, help="stride-2 layers of the content encoder (default 2)")
    group.add_argument("--n-res", type=int, default=4, help="residual blocks in the encoder and in the decoder (default 4)")
    group.add_argument("--activ", choices=ACTIVATIONS, default="relu", help="generator activation (default relu)")
    group.add_argument("--pad-type", choices=PAD_TYPES, default="reflect", help="padding (default reflect)")
    group.add_argument("--dis-dim", type=int, default=64, help="discriminator width (default 64)")
    group.add_argument("--dis-n-layer", type=int, default=4, help="stride-2 layers per discriminator scale (default 4)")
    group.add_argument("--dis-scales", type=int, default=3, help="discriminator scales (default 3)")
    group.add_argument("--gan-w", type=float, default=1.0, help="weight of the adversarial losses (default 1)")
    group.add_argument("--recon-x-w", type=float, default=10.0, help="weight of image reconstruction (default 10)")
    group.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5)")
    group.add_argument("--weight-decay", type=float, default=1e-4, help="Adam weight decay (default 1e-4)")
    group.add_argument("--step-size", type=int, default=100_000, help="halve the learning rate every N iterations (default 100000)")
    group.add_argument("--gamma", type=float, default=0.5, help="learning-rate factor every --step-size iterations (default 0.5)")
    export.add_domain_arguments(group)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=256, batch=1, iters=1_000_000, lr=1e-4)
    group = parser.add_argument_group("munit")
    add_shared_arguments(parser, group)
    group.add_argument("--style-dim", type=int, default=8, help="length of a style code (default 8)")
    group.add_argument("--mlp-dim", type=int, default=256, help="width of the MLP making AdaIN parameters (default 256)")
    group.add_argument("--recon-s-w", type=float, default=1.0, help="weight of style reconstruction (default 1)")
    group.add_argument("--recon-c-w", type=float, default=1.0, help="weight of content reconstruction (default 1)")
    group.add_argument("--recon-x-cyc-w", type=float, default=0.0, help="weight of the style-augmented cycle loss (default 0)")


class GenPair(nn.Module):
    """gen_a and gen_b; forward is one generator step's computations (one forward per backward for DDP)."""

    def __init__(self, gen_a: nn.Module, gen_b: nn.Module, cycle: bool) -> None:
        super().__init__()
        self.gen_a, self.gen_b, self.cycle = gen_a, gen_b, cycle

    def forward(self, x_a: torch.Tensor, x_b: torch.Tensor, s_a: torch.Tensor, s_b: torch.Tensor) -> dict[str, Any]:
        c_a, s_a_prime = self.gen_a.encode(x_a)
        c_b, s_b_prime = self.gen_b.encode(x_b)
        out = {"x_a_recon": self.gen_a.decode(c_a, s_a_prime), "x_b_recon": self.gen_b.decode(c_b, s_b_prime)}
        out["x_ba"] = x_ba = self.gen_a.decode(c_b, s_a)
        out["x_ab"] = x_ab = self.gen_b.decode(c_a, s_b)
        c_b_recon, s_a_recon = self.gen_a.encode(x_ba)
        c_a_recon, s_b_recon = self.gen_b.encode(x_ab)
        out.update(c_a=c_a, c_b=c_b, c_a_recon=c_a_recon, c_b_recon=c_b_recon, s_a_recon=s_a_recon, s_b_recon=s_b_recon)
        if self.cycle:
            out["x_aba"] = self.gen_a.decode(c_a_recon, s_a_prime)
            out["x_bab"] = self.gen_b.decode(c_b_recon, s_b_prime)
        return out


class DisPair(nn.Module):
    """dis_a and dis_b; forward scores (fake A, real A, fake B, real B) in one call."""

    def __init__(self, dis_a: nn.Module, dis_b: nn.Module) -> None:
        super().__init__()
        self.dis_a, self.dis_b = dis_a, dis_b

    def forward(self, fake_a: torch.Tensor, real_a: torch.Tensor, fake_b: torch.Tensor, real_b: torch.Tensor) -> list[list[torch.Tensor]]:
        return [self.dis_a(fake_a), self.dis_a(real_a), self.dis_b(fake_b), self.dis_b(real_b)]


class TwoDomainRecipe(Recipe):
    """What MUNIT and UNIT share: data, discriminators, optimisers, the D step, export."""

    def build_dataset(self) -> UnpairedDataset:
        return UnpairedDataset(self.args.data, make_transform(self.args, jitter=False))

    def make_generator(self) -> nn.Module:
        raise NotImplementedError

    def build(self, dataset: UnpairedDataset) -> None:
        a = self.args
        gen_a, gen_b = self.make_generator(), self.make_generator()
        dis = [MsImageDis(input_dim=3, dim=a.dis_dim, n_layer=a.dis_n_layer, norm="none", activ="lrelu",
                          num_scales=a.dis_scales, pad_type="reflect") for _ in range(2)]
        for net in (gen_a, gen_b):
            init_kaiming(net)
        for net in dis:
            init_gaussian(net)
        self.nets["gen"] = self.pair(gen_a, gen_b)
        self.nets["dis"] = DisPair(*dis)
        betas = (a.beta1, 0.999)
        self.optimizers = {
            "gen": torch.optim.Adam(self.nets["gen"].parameters(), lr=a.lr, betas=betas, weight_decay=a.weight_decay),
            "dis": torch.optim.Adam(self.nets["dis"].parameters(), lr=a.lr, betas=betas, weight_decay=a.weight_decay),
        }
        self.schedulers = {k: torch.optim.lr_scheduler.StepLR(o, step_size=a.step_size, gamma=a.gamma) for k, o in self.optimizers.items()}

    def pair(self, gen_a: nn.Module, gen_b: nn.Module) -> nn.Module:
        raise NotImplementedError

    def fakes(self, real_a: torch.Tensor, real_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(x_ba, x_ab) for the D step, without gradients."""
        raise NotImplementedError

    def dis_step(self, real_a: torch.Tensor, real_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a = self.args
        set_requires_grad(self.nets["dis"], True)
        self.optimizers["dis"].zero_grad(set_to_none=True)
        with torch.no_grad(), self.rt.autocast():
            x_ba, x_ab = self.fakes(real_a, real_b)
        with self.rt.autocast():
            seen = [self.augment_d(x) for x in (x_ba, real_a, x_ab, real_b)]
            fake_a, real_a_out, fake_b, real_b_out = self.train_nets["dis"](*seen)
            d_a = lsgan_sum(fake_a, 0.0) + lsgan_sum(real_a_out, 1.0)
            d_b = lsgan_sum(fake_b, 0.0) + lsgan_sum(real_b_out, 1.0)
        self.rt.backward(a.gan_w * (d_a + d_b))
        self.rt.step(self.optimizers["dis"])
        return d_a, d_b

    def adversarial(self, x_ba: torch.Tensor, x_ab: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Generator LSGAN terms, through the bare discriminators (frozen; their step is separate)."""
        dis = self.nets["dis"]
        set_requires_grad(dis, False)
        return lsgan_sum(dis.dis_a(self.augment_d(x_ba)), 1.0), lsgan_sum(dis.dis_b(self.augment_d(x_ab)), 1.0)

    def generator_terms(self, real_a: torch.Tensor, real_b: torch.Tensor) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """The generator pair's outputs (with x_ba and x_ab) and its non-adversarial loss terms, NAME_a / NAME_b."""
        raise NotImplementedError

    def term_weights(self) -> dict[str, float]:
        """NAME -> weight of the terms NAME_a and NAME_b in the generators' loss."""
        raise NotImplementedError

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        real_a, real_b = batch["A"], batch["B"]
        d_a, d_b = self.dis_step(real_a, real_b)

        self.optimizers["gen"].zero_grad(set_to_none=True)
        o, terms = self.generator_terms(real_a, real_b)
        with self.rt.autocast():
            adv_a, adv_b = self.adversarial(o["x_ba"], o["x_ab"])
        weights = self.term_weights()
        total = self.args.gan_w * (adv_a + adv_b) + sum(weights[name.rsplit("_", 1)[0]] * value for name, value in terms.items())
        self.rt.backward(total)
        self.rt.step(self.optimizers["gen"])
        set_requires_grad(self.nets["dis"], True)
        return {"D_a": d_a, "D_b": d_b, "G_adv_a": adv_a, "G_adv_b": adv_b, **terms}

    def init_weights(self, path: str) -> list[str]:
        """--init: gen_a from the file's main network, gen_b from its domain_b part (both inside the "gen" pair)."""
        from ganstudio.checkpoints import load_model

        from ..checkpoint import check_meta, copy_weights

        loaded = load_model(path)
        check_meta(loaded, self.init_expectations())
        gen = self.nets["gen"]
        copy_weights(loaded.module, gen.gen_a, f"domain A network ({loaded.arch})")
        other = loaded.parts.get("domain_b")
        if other is None:
            return []  # one domain only: nothing the run can start from as a pair
        copy_weights(other.module, gen.gen_b, f"domain_b ({other.arch})")
        return ["gen"]

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        """A -> B translations (the exported direction) against the B photos."""
        return self.translate_a_to_b(batch["A"]), batch["B"]

    def translate_a_to_b(self, x_a: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        gen = self.nets["gen"]
        return gen.gen_a, {"domain_b": gen.gen_b}, {"resolution": self.args.resolution}

    def domains(self) -> dict[str, str] | None:
        return export.domain_names(self.args)


class MUNITRecipe(TwoDomainRecipe):
    name = "munit"
    loss_names = ("D_a", "D_b", "G_adv_a", "G_adv_b", "recon_x_a", "recon_x_b", "recon_s_a", "recon_s_b", "recon_c_a", "recon_c_b", "cyc_x_a", "cyc_x_b")

    def make_generator(self) -> nn.Module:
        a = self.args
        return AdaINGen(input_dim=3, dim=a.dim, style_dim=a.style_dim, n_downsample=a.n_downsample, n_res=a.n_res,
                        activ=a.activ, pad_type=a.pad_type, mlp_dim=a.mlp_dim)

    def pair(self, gen_a: nn.Module, gen_b: nn.Module) -> nn.Module:
        return GenPair(gen_a, gen_b, self.args.recon_x_cyc_w > 0)

    def styles(self, count: int, like: torch.Tensor) -> torch.Tensor:
        return torch.randn(count, self.args.style_dim, 1, 1, device=like.device)

    def fakes(self, real_a: torch.Tensor, real_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        gen = self.nets["gen"]
        s_a, s_b = self.styles(real_a.shape[0], real_a), self.styles(real_b.shape[0], real_b)
        c_a, c_b = gen.gen_a.enc_content(real_a), gen.gen_b.enc_content(real_b)
        return gen.gen_a.decode(c_b, s_a), gen.gen_b.decode(c_a, s_b)

    def translate_a_to_b(self, x_a: torch.Tensor) -> torch.Tensor:
        """With fixed prior styles, one per image (the same at every evaluation)."""
        styles = torch.randn(x_a.shape[0], self.args.style_dim, 1, 1, generator=torch.Generator().manual_seed(0)).to(x_a.device)
        gen = self.nets["gen"]
        return gen.gen_b.decode(gen.gen_a.enc_content(x_a), styles)

    def generator_terms(self, real_a: torch.Tensor, real_b: torch.Tensor) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        s_a, s_b = self.styles(real_a.shape[0], real_a), self.styles(real_b.shape[0], real_b)
        with self.rt.autocast():
            o = self.train_nets["gen"](real_a, real_b, s_a, s_b)
        terms = {
            "recon_x_a": losses.l1(o["x_a_recon"], real_a), "recon_x_b": losses.l1(o["x_b_recon"], real_b),
            "recon_s_a": losses.l1(o["s_a_recon"], s_a), "recon_s_b": losses.l1(o["s_b_recon"], s_b),
            "recon_c_a": losses.l1(o["c_a_recon"], o["c_a"]), "recon_c_b": losses.l1(o["c_b_recon"], o["c_b"]),
        }
        zero = real_a.new_zeros(())
        terms["cyc_x_a"] = losses.l1(o["x_aba"], real_a) if "x_aba" in o else zero
        terms["cyc_x_b"] = losses.l1(o["x_bab"], real_b) if "x_bab" in o else zero
        return o, terms

    def term_weights(self) -> dict[str, float]:
        a = self.args
        return {"recon_x": a.recon_x_w, "recon_s": a.recon_s_w, "recon_c": a.recon_c_w, "cyc_x": a.recon_x_cyc_w}

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        gen = self.nets["gen"]
        x_a, x_b = batch["A"], batch["B"]
        n = x_a.shape[0]
        styles = torch.randn(n, self.args.style_dim, 1, 1, generator=torch.Generator().manual_seed(0)).to(x_a.device)
        c_a, s_a = gen.gen_a.encode(x_a)
        c_b, s_b = gen.gen_b.encode(x_b)
        rows = [x_a, gen.gen_a.decode(c_a, s_a), gen.gen_b.decode(c_a, styles), gen.gen_b.decode(c_a, styles.flip(0)),
                x_b, gen.gen_b.decode(c_b, s_b), gen.gen_a.decode(c_b, styles), gen.gen_a.decode(c_b, styles.flip(0))]
        return torch.cat(rows, 0), n


def run(args: argparse.Namespace) -> int:
    return cli_run(MUNITRecipe, args)
