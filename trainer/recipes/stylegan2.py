"""StyleGAN2 (Karras et al. 2020), trained as in stylegan2-ada-pytorch: non-saturating
logistic loss, lazy R1 on D, style-mixing regularization, an exponential moving average
of G (the exported network), optional lazy path-length regularization, and adaptive
discriminator augmentation (ADA, Karras et al. 2020b) of every image D sees."""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.stylegan2 import Discriminator, Generator

from .. import distributed, losses
from ..data import ImageFolderDataset
from ..distributed import DistContext
from ..ema import EMA
from ..loop import cli_run
from ..options import add_common_arguments
from ..augment import PIPELINES, AdaptiveAugment, AugmentPipe
from ..checkpoint import check_meta, copy_weights
from ..recipe import Recipe, make_transform, set_requires_grad

DESCRIPTION = """Train StyleGAN2 on a folder of images (DATA/images/ or DATA, searched
recursively). --resolution must be a power of two; images are resized to it.
The export is the moving-average generator G_ema."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=256, batch=32, iters=780_000, lr=0.002)
    group = parser.add_argument_group("stylegan2")
    group.add_argument("--z-dim", type=int, default=512, help="latent z size (default 512)")
    group.add_argument("--w-dim", type=int, default=512, help="intermediate latent w size (default 512)")
    group.add_argument("--map-layers", type=int, default=8, help="mapping network depth (default 8)")
    group.add_argument("--channel-base", type=int, default=32768, help="channels = min(channel_base / resolution, channel_max) (default 32768)")
    group.add_argument("--channel-max", type=int, default=512, help="most channels of any layer (default 512)")
    group.add_argument("--mbstd-group", type=int, default=4, help="minibatch standard-deviation group size (default 4)")
    group.add_argument("--r1-gamma", type=float, default=10.0,
                       help="R1 regularization weight gamma (default 10). stylegan2-ada's rule 0.0002 * resolution**2 / batch "
                            "is far lower at small sizes; without augmentation, on 3000 64 px images, gamma 0.1 let D "
                            "overpower G")
    group.add_argument("--d-reg-interval", type=int, default=16, help="apply R1 every N iterations (lazy regularization, default 16)")
    group.add_argument("--pl-weight", type=float, default=2.0, help="path-length regularization weight, 0 to disable (default 2)")
    group.add_argument("--g-reg-interval", type=int, default=4, help="apply path-length regularization every N iterations (default 4)")
    group.add_argument("--pl-batch-shrink", type=int, default=2, help="path-length batch = batch / N (default 2)")
    group.add_argument("--pl-decay", type=float, default=0.01, help="decay of the running path-length mean (default 0.01)")
    group.add_argument("--style-mixing", type=float, default=0.9, help="probability of mixing two latents per batch (default 0.9)")
    group.add_argument("--ema-kimg", type=float, default=10.0, help="EMA half-life in thousands of images (default 10)")
    group.add_argument("--ema-rampup", type=float, default=0.05, help="EMA half-life ramp-up as a fraction of images seen, 0 to disable (default 0.05)")
    aug = parser.add_argument_group("augmentation (ADA)")
    aug.add_argument("--aug", choices=["ada", "fixed", "noaug"], default="ada",
                     help="ada: augment every image D sees with probability p, adjusted to keep r_t = E[sign(D(real))] "
                          "near --ada-target; fixed: p = --aug-p throughout; noaug: none (default ada)")
    aug.add_argument("--augpipe", choices=sorted(PIPELINES), default="bgc",
                     help="which transforms: blit (flips, 90° turns, integer shifts), geom (scaling, rotation, "
                          "fractional shifts), color (brightness, contrast, luma flip, hue, saturation), or combinations "
                          "bg, bgc (default bgc)")
    aug.add_argument("--aug-p", type=float, default=0.0, help="augmentation probability at the start (ada) or throughout (fixed) (default 0)")
    aug.add_argument("--ada-target", type=float, default=0.6, help="target of the overfitting heuristic r_t (default 0.6)")
    aug.add_argument("--ada-interval", type=int, default=4, help="adjust p every N iterations (default 4)")
    aug.add_argument("--ada-kimg", type=float, default=500.0,
                     help="adjustment speed: p can move by 1 in this many thousand images (default 500)")


class MixingGenerator(nn.Module):
    """One forward for G's training pass (mapping, style mixing, synthesis), so
    DistributedDataParallel sees every use of G's weights. Returns (images, ws)."""

    def __init__(self, generator: Generator, mixing_prob: float) -> None:
        super().__init__()
        self.generator = generator
        self.mixing_prob = mixing_prob

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        g = self.generator
        ws = g.mapping(z, c)
        if self.mixing_prob > 0:
            cutoff = torch.empty([], dtype=torch.int64, device=ws.device).random_(1, ws.shape[1])
            mixed = torch.rand([], device=ws.device) < self.mixing_prob
            cutoff = torch.where(mixed, cutoff, torch.full_like(cutoff, ws.shape[1]))
            other = g.mapping(torch.randn_like(z), c, skip_w_avg_update=True)
            take_other = torch.arange(ws.shape[1], device=ws.device)[None, :, None] >= cutoff
            ws = torch.where(take_other, other, ws)
        return g.synthesis(ws, noise_mode="random"), ws


class StyleGAN2Recipe(Recipe):
    name = "stylegan2"
    loss_names = ("G_main", "G_pl", "D_fake", "D_real", "D_r1", "pl_mean", "aug_p", "ada_rt")

    def build_dataset(self) -> ImageFolderDataset:
        res = self.args.resolution
        if res < 4 or res & (res - 1):
            raise ValueError(f"--resolution must be a power of two >= 4, got {res}")
        return ImageFolderDataset(self.args.data, make_transform(self.args, jitter=False))

    def build(self, dataset: ImageFolderDataset) -> None:
        a = self.args
        self.nets["G"] = Generator(z_dim=a.z_dim, c_dim=0, w_dim=a.w_dim, img_resolution=a.resolution, img_channels=3,
                                   mapping_kwargs={"num_layers": a.map_layers},
                                   synthesis_kwargs={"channel_base": a.channel_base, "channel_max": a.channel_max})
        self.nets["D"] = Discriminator(c_dim=0, img_resolution=a.resolution, img_channels=3, channel_base=a.channel_base,
                                       channel_max=a.channel_max, epilogue_kwargs={"mbstd_group_size": min(a.mbstd_group, a.batch)})
        self.ema = EMA(self.nets["G"], a.ema_kimg, a.ema_rampup or None)
        self.nets["G_ema"] = self.ema.shadow
        # Lazy regularization: scale lr and betas by interval / (interval + 1).
        for name, interval in (("G", a.g_reg_interval if a.pl_weight > 0 else 0), ("D", a.d_reg_interval)):
            ratio = interval / (interval + 1) if interval > 0 else 1.0
            self.optimizers[name] = torch.optim.Adam(self.nets[name].parameters(), lr=a.lr * ratio,
                                                     betas=(0.0, 0.99 ** ratio), eps=1e-8)
        self.pl_mean = torch.zeros([])
        self.ada: AdaptiveAugment | None = None
        aug = getattr(a, "aug", "noaug")
        if aug != "noaug":
            self.ada = AdaptiveAugment(AugmentPipe(a.augpipe), p=a.aug_p, target=a.ada_target if aug == "ada" else None,
                                       interval=a.ada_interval, speed_kimg=a.ada_kimg)

    def augment_d(self, image: torch.Tensor, *aligned: torch.Tensor, tile: int = 1) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """ADA's pipeline (when on), then --diffaugment's (when given): differentiable, also on R1's path."""
        if self.ada is not None:
            image = self.ada(image)
        return super().augment_d(image, *aligned, tile=tile)

    def init_weights(self, path: str) -> list[str]:
        """G_ema, G and D from a StyleGAN2 file: a StyleGAN2-ADA pickle has all three; a rosinality
        file has g_ema and d (G starts as g_ema); a GAN Studio export has G_ema only (G starts as it,
        D fresh)."""
        from ganstudio.checkpoints import CheckpointError, load_model

        try:
            loaded = load_model(path, include_discriminator=True)
        except CheckpointError:  # a file with no discriminator refuses the hint
            loaded = load_model(path)
        check_meta(loaded, {"resolution": self.args.resolution})
        copy_weights(loaded.module, self.nets["G_ema"], f"generator ({loaded.arch})")
        try:
            training_copy = load_model(path, network="G").module
        except CheckpointError:  # only the pickles keep the training copy apart
            training_copy = loaded.module
        copy_weights(training_copy, self.nets["G"], f"generator ({loaded.arch})")
        filled = ["G", "G_ema"]
        if "discriminator" in loaded.parts:
            copy_weights(loaded.parts["discriminator"].module, self.nets["D"], "discriminator")
            filled.append("D")
        return filled

    def wrap(self, ctx: DistContext) -> None:
        super().wrap(ctx)
        self.ema.shadow = self.nets["G_ema"]
        self.pl_mean = self.pl_mean.to(self.rt.device)
        self.train_nets["G"] = distributed.wrap(MixingGenerator(self.nets["G"], self.args.style_mixing), ctx)

    def _z(self, count: int) -> torch.Tensor:
        return torch.randn(count, self.args.z_dim, device=self.rt.device)

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n = self.args, self.train_nets
        real = batch["image"]
        count = real.shape[0]
        out: dict[str, torch.Tensor] = {}

        # G main: non-saturating logistic loss
        set_requires_grad(self.nets["G"], True)
        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            fake, _ = n["G"](self._z(count))
            out["G_main"] = losses.logistic_nonsaturating(self.nets["D"](self.augment_d(fake)), True)
        self.rt.backward(out["G_main"])
        self.rt.step(self.optimizers["G"])
        if a.pl_weight > 0 and iteration % a.g_reg_interval == 0:
            # a separate optimizer step, as stylegan2-ada's "Greg" phase
            self.optimizers["G"].zero_grad(set_to_none=True)
            pl_count = max(1, count // a.pl_batch_shrink)
            fake, ws = n["G"](self._z(pl_count))  # fp32: the penalty differentiates through G
            penalty, self.pl_mean = losses.path_length_penalty(fake, ws, self.pl_mean, a.pl_decay)
            out["G_pl"] = penalty.mean()
            out["pl_mean"] = self.pl_mean.detach().clone()
            # the zero term keeps every output-layer weight in the graph for DDP
            self.rt.backward(out["G_pl"] * a.pl_weight * a.g_reg_interval + fake[:, 0, 0, 0].sum() * 0)
            self.rt.step(self.optimizers["G"])

        # D main: fakes scored low, reals high
        set_requires_grad(self.nets["G"], False)
        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with torch.no_grad(), self.rt.autocast():
            fake, _ = MixingGenerator(self.nets["G"], a.style_mixing)(self._z(count))
        with self.rt.autocast():
            out["D_fake"] = losses.logistic_nonsaturating(n["D"](self.augment_d(fake.detach())), False)
            real_logits = n["D"](self.augment_d(real))
            out["D_real"] = losses.logistic_nonsaturating(real_logits, True)
        if self.ada is not None:
            self.ada.observe(real_logits)
        self.rt.backward(out["D_fake"] + out["D_real"])
        self.rt.step(self.optimizers["D"])
        if iteration % a.d_reg_interval == 0 and a.r1_gamma > 0:
            # a separate optimizer step, as stylegan2-ada's "Dreg" phase
            self.optimizers["D"].zero_grad(set_to_none=True)
            real_r1 = real.detach().requires_grad_(True)
            logits = n["D"](self.augment_d(real_r1))  # the penalty differentiates through the augmentation
            penalty = losses.r1_penalty(logits, real_r1)
            out["D_r1"] = penalty.mean()
            self.rt.backward(out["D_r1"] * (a.r1_gamma / 2) * a.d_reg_interval + logits.sum() * 0)
            self.rt.step(self.optimizers["D"])

        world = self.rt.ctx.world_size
        self.ema.update(self.nets["G"], count * world, self.images_seen + count * world)
        if self.ada is not None:
            rt = self.ada.update(iteration + 1, count * world, world=self.rt.ctx.enabled)
            out["aug_p"] = torch.tensor(self.ada.p, device=self.rt.device)
            if rt is not None:
                out["ada_rt"] = torch.tensor(rt, device=self.rt.device)
        return out

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        real = batch["image"]
        return self.nets["G_ema"](self._z(real.shape[0]), noise_mode="const"), real

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        generator = torch.Generator().manual_seed(1234)
        z = torch.randn(16, self.args.z_dim, generator=generator).to(self.rt.device)
        return self.nets["G_ema"](z, noise_mode="const"), 8

    def extra_state(self) -> dict[str, Any]:
        return {"pl_mean": self.pl_mean.cpu(), **({"ada": self.ada.state_dict()} if self.ada is not None else {})}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.pl_mean = state["pl_mean"].to(self.rt.device)
        if self.ada is not None and "ada" in state:
            self.ada.load_state_dict(state["ada"])

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        return self.nets["G_ema"], {}, {"resolution": self.args.resolution}


def run(args: argparse.Namespace) -> int:
    return cli_run(StyleGAN2Recipe, args)
