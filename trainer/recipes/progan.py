"""Progressive GAN (Karras et al. 2018): equalized learning rate, pixel norm and minibatch standard
deviation in the networks (ganstudio.models.progan); training starts at 4x4 and adds one scale at a
time, each fading in over --stage-kimg thousand images (the new scale's output blended with the
upsampled previous one, the reals likewise) and then training stably as long again. WGAN-GP loss
(lambda 10) with the drift term 0.001 * D(real)^2, Adam(lr, 0, 0.99), and a moving average of G (the
export). Both networks are built at full size from the start: the stage and the blend follow from
the images seen alone, so a resume continues the schedule exactly."""
from __future__ import annotations

import argparse
import copy
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from ganstudio.models.progan import ProGANDiscriminator, ProGANGenerator

from .. import losses
from ..data import ImageFolderDataset
from ..ema import EMA
from ..loop import cli_run
from ..options import add_common_arguments
from ..recipe import set_requires_grad
from .dcgan import ZGeneratorRecipe

DESCRIPTION = """Train a Progressive GAN on a folder of images (DATA/images/ or DATA). --resolution must
be a power of two >= 8; the networks grow from 4x4 to it. Each new scale fades in over --stage-kimg
thousand images, then trains as long at that size. The export is the moving average of G."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=64, batch=16, iters=100_000, lr=1e-3)
    group = parser.add_argument_group("progan")
    group.add_argument("--z-dim", type=int, default=512, help="latent z size (default 512)")
    group.add_argument("--channel-base", type=int, default=8192, help="channels at scale r = min(channel_base / r, channel_max) (default 8192)")
    group.add_argument("--channel-max", type=int, default=512, help="most channels of any scale (default 512)")
    group.add_argument("--stage-kimg", type=float, default=600.0, help="thousands of images per fade-in, and as many per stable phase (default 600)")
    group.add_argument("--gp-lambda", type=float, default=10.0, help="gradient penalty weight (default 10)")
    group.add_argument("--drift", type=float, default=0.001, help="weight of D(real)^2, keeping the critic near 0 (default 0.001)")
    group.add_argument("--ema-kimg", type=float, default=10.0, help="half-life of G's moving average in thousands of images (default 10)")


def scale_depths(resolution: int, channel_base: int, channel_max: int) -> list[int]:
    """Channels of the 4x4, 8x8, ..., resolution scales."""
    if resolution < 8 or resolution & (resolution - 1):
        raise ValueError(f"--resolution must be a power of two >= 8, got {resolution}")
    sides = [4 * 2 ** i for i in range((resolution // 4).bit_length())]
    return [max(1, min(channel_base // side, channel_max)) for side in sides]


def growth(images_seen: int, stage_images: float, stages: int) -> tuple[int, float]:
    """(stage, alpha) after `images_seen`: stage 0 for stage_images, then each stage fades in (alpha 1 -> 0,
    pytorch_GAN_zoo's convention: alpha is the old scale's share) over stage_images and is stable as long."""
    if images_seen < stage_images or stages == 1:
        return 0, 0.0
    stage = min(1 + int((images_seen - stage_images) // (2 * stage_images)), stages - 1)
    into = images_seen - stage_images * (2 * stage - 1)
    return stage, max(0.0, 1.0 - into / stage_images)


class ProGANRecipe(ZGeneratorRecipe):
    name = "progan"
    loss_names = ("G_wgan", "D_real", "D_fake", "D_gp", "D_drift", "stage", "alpha")
    sample_net = "G_ema"
    # the scales above the current stage take no part until they are grown
    nets_with_unused_parameters = ("G", "D")
    init_targets = {"": ("G", "G_ema")}  # the export may be a copy of G_ema (see export), so not found by identity

    def build(self, dataset: ImageFolderDataset) -> None:
        a = self.args
        depths = scale_depths(a.resolution, a.channel_base, a.channel_max)
        self.nets["G"] = ProGANGenerator(z_dim=a.z_dim, depth_scale0=depths[0], depth_other_scales=depths[1:])
        self.nets["D"] = ProGANDiscriminator(depth_scale0=depths[0], depth_other_scales=depths[1:])
        self.ema = EMA(self.nets["G"], a.ema_kimg, None)
        self.nets["G_ema"] = self.ema.shadow
        for name in ("G", "D"):
            self.optimizers[name] = torch.optim.Adam(self.nets[name].parameters(), lr=a.lr, betas=(0.0, 0.99), eps=1e-8)

    def wrap(self, ctx: Any) -> None:
        super().wrap(ctx)
        self.ema.shadow = self.nets["G_ema"]

    def growth(self) -> tuple[int, float]:
        return growth(self.images_seen, self.args.stage_kimg * 1000, self.nets["G"].num_stages)

    @staticmethod
    def reals_at(real: torch.Tensor, stage: int, alpha: float) -> torch.Tensor:
        """The batch at the stage's size; during a fade-in blended with its lower-resolution version, as G's output is."""
        side = 4 * 2 ** stage
        x = F.adaptive_avg_pool2d(real, side) if real.shape[-1] != side else real
        if alpha > 0 and stage > 0:
            x = alpha * F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest") + (1 - alpha) * x
        return x

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n, out = self.args, self.train_nets, {}
        stage, alpha = self.growth()
        real = self.reals_at(batch["image"], stage, alpha)
        count = real.shape[0]

        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with torch.no_grad(), self.rt.autocast():
            fake = n["G"](self._z(count), stage, alpha)
        with self.rt.autocast():
            real_scores = n["D"](self.augment_d(real), stage, alpha)
            out["D_real"] = losses.wasserstein(real_scores, True)
            out["D_fake"] = losses.wasserstein(n["D"](self.augment_d(fake), stage, alpha), False)
            out["D_drift"] = real_scores.float().square().mean()
        mix = torch.rand(count, 1, 1, 1, device=real.device)
        between = (mix * real + (1 - mix) * fake.float()).requires_grad_(True)
        out["D_gp"] = losses.gradient_penalty(n["D"](self.augment_d(between), stage, alpha), between)
        self.rt.backward(out["D_real"] + out["D_fake"] + a.gp_lambda * out["D_gp"] + a.drift * out["D_drift"])
        self.rt.step(self.optimizers["D"])

        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            out["G_wgan"] = losses.wasserstein(n["D"](self.augment_d(n["G"](self._z(count), stage, alpha)), stage, alpha), True)
        self.rt.backward(out["G_wgan"])
        self.rt.step(self.optimizers["G"])

        world = self.rt.ctx.world_size
        self.ema.update(self.nets["G"], count * world, self.images_seen + count * world)
        out["stage"] = torch.tensor(float(stage))
        out["alpha"] = torch.tensor(alpha)
        return out

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """The moving-average G at the current stage and blend, upsampled to the full size (samples, evaluation)."""
        stage, alpha = self.growth()
        image = self.nets["G_ema"](z, stage, alpha)
        return F.interpolate(image, size=self.args.resolution, mode="nearest") if image.shape[-1] != self.args.resolution else image

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        """G_ema; stopped during the last fade-in, with that blend as its `alpha` (what training made it render)."""
        stage, alpha = self.growth()
        if stage < self.nets["G"].num_stages - 1:
            print(f"warning: ProGAN exported at stage {stage} of {self.nets['G'].num_stages - 1}: the full-size output is not trained yet")
        exported = self.nets["G_ema"]
        if alpha > 0 and stage == exported.num_stages - 1:
            exported = copy.deepcopy(exported)
            exported.alpha = exported.config["alpha"] = float(alpha)
        return exported, {}, {"resolution": self.args.resolution}


def run(args: argparse.Namespace) -> int:
    return cli_run(ProGANRecipe, args)
