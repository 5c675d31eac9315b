"""A GigaGAN-style text-to-image GAN (Kang et al. 2023) at CPU size: our StyleGAN2 generator with
sample-adaptive kernel selection and text cross-attention, a multi-scale text-conditioned
discriminator, StyleGAN2's non-saturating logistic loss with lazy R1, and GigaGAN's
matching-aware term (a real image with another image's caption counts as fake).

The text encoder is ours, trained in the same run with the joint image-caption embedding
(shared with gan_int_cls); the GAN sees its outputs detached. The generator trains with
per-pixel noise; the export draws without it, so a seed gives one picture.
"""
from __future__ import annotations

import argparse
import copy
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.gan_int_cls import ImageEmbedder
from ganstudio.models.gigagan import MultiScaleTextDiscriminator, TextStyleGenerator, pack

from .. import losses
from ..data.captioned import CaptionedDataset
from ..distributed import DistContext
from ..ema import EMA
from ..loop import cli_run
from ..options import add_common_arguments
from ..recipe import set_requires_grad
from .gan_int_cls import TextRecipe, add_text_arguments

DESCRIPTION = """Train a GigaGAN-style text-to-image GAN on captioned images (make-data landscapes|faces
writes DATA/captions.json). --resolution must be a power of two; the defaults are sized for
64 px on a CPU (raise --channel-base/--channel-max on a GPU). The export holds the text
encoder (with its vocabulary) and the generator."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=64, batch=16, iters=50_000, lr=0.002)
    add_text_arguments(parser)
    group = parser.add_argument_group("gigagan")
    group.add_argument("--z-dim", type=int, default=128, help="noise size (default 128)")
    group.add_argument("--w-dim", type=int, default=128, help="style size (default 128)")
    group.add_argument("--map-layers", type=int, default=2, help="mapping network depth (default 2)")
    group.add_argument("--channel-base", type=int, default=2048, help="channels = min(channel_base / resolution, channel_max) (default 2048)")
    group.add_argument("--channel-max", type=int, default=96, help="most channels of any layer (default 96)")
    group.add_argument("--num-kernels", type=int, default=4, help="kernels per synthesis conv for sample-adaptive selection (default 4)")
    group.add_argument("--attn-max-res", type=int, default=16, help="text cross-attention in the blocks up to this resolution (default 16)")
    group.add_argument("--d-scales", type=int, default=2, help="discriminator scales: full size, half, ... (default 2)")
    group.add_argument("--lambda-mismatch", type=float, default=1.0, help="weight of the matching-aware term (real image, wrong caption) (default 1)")
    group.add_argument("--r1-gamma", type=float, default=1.0, help="R1 weight (default 1)")
    group.add_argument("--d-reg-interval", type=int, default=16, help="R1 every N iterations (lazy, default 16)")
    group.add_argument("--ema-kimg", type=float, default=10.0, help="generator EMA half-life in thousands of images (default 10)")
    group.add_argument("--ema-rampup", type=float, default=0.05, help="EMA half-life ramp-up as a fraction of images seen, 0 to disable (default 0.05)")


class GigaGANRecipe(TextRecipe):
    name = "gigagan"
    loss_names = ("JE", "D_real", "D_fake", "D_mismatch", "D_r1", "G_fake")

    def build(self, dataset: CaptionedDataset) -> None:
        a = self.args
        self.vocabulary = dataset.vocabulary
        self.model = TextStyleGenerator(vocabulary=self.vocabulary, word_dim=a.word_dim, text_channels=a.text_channels, text_dim=a.text_dim,
                                        max_words=a.max_words, z_dim=a.z_dim, w_dim=a.w_dim, map_layers=a.map_layers, resolution=a.resolution,
                                        channel_base=a.channel_base, channel_max=a.channel_max, num_kernels=a.num_kernels,
                                        attn_max_res=a.attn_max_res)
        self.nets["T"] = self.model.text
        self.nets["G"] = self.model.image
        # samples, evaluation and the export use the moving average, as StyleGAN2's G_ema
        self.ema = EMA(self.nets["G"], a.ema_kimg, a.ema_rampup or None)
        self.nets["G_ema"] = self.ema.shadow
        self.nets["D"] = MultiScaleTextDiscriminator(text_dim=a.text_dim, resolution=a.resolution, channel_base=a.channel_base,
                                                     channel_max=a.channel_max, scales=a.d_scales)
        self.nets["E"] = ImageEmbedder(text_dim=a.text_dim, resolution=a.resolution)
        ratio = a.d_reg_interval / (a.d_reg_interval + 1)  # StyleGAN2's lazy-regularisation correction
        self.optimizers = {
            "G": torch.optim.Adam(self.nets["G"].parameters(), lr=a.lr, betas=(0.0, 0.99), eps=1e-8),
            "D": torch.optim.Adam(self.nets["D"].parameters(), lr=a.lr * ratio, betas=(0.0, 0.99 ** ratio), eps=1e-8),
            "text": torch.optim.Adam([*self.nets["T"].parameters(), *self.nets["E"].parameters()], lr=a.text_lr),
        }

    def conditioning(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(packed conditioning for G, sentence embedding for D), from the text encoder without gradients."""
        with torch.no_grad():
            sentence, words, mask = self.nets["T"].features(tokens)
        return pack(sentence, words, mask), sentence

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n = self.args, self.train_nets
        x, tokens = batch["image"], batch["tokens"]
        je, _ = self.text_step(x, tokens)
        if iteration < a.text_warmup:
            return {"JE": je}
        packed, sentence = self.conditioning(tokens)
        wrong = sentence.roll(1, 0)
        z = torch.randn(len(x), a.z_dim, device=x.device)

        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with torch.no_grad(), self.rt.autocast():
            fake = self.nets["G"](z, packed)
        with self.rt.autocast():
            d_real = losses.logistic_nonsaturating(n["D"](self.augment_d(x), sentence), True)
            d_fake = losses.logistic_nonsaturating(n["D"](self.augment_d(fake), sentence), False)
            d_mismatch = losses.logistic_nonsaturating(n["D"](self.augment_d(x), wrong), False)
        self.rt.backward(d_real + d_fake + a.lambda_mismatch * d_mismatch)
        self.rt.step(self.optimizers["D"])
        out = {"JE": je, "D_real": d_real, "D_fake": d_fake, "D_mismatch": d_mismatch}
        if a.r1_gamma > 0 and iteration % a.d_reg_interval == 0:
            self.optimizers["D"].zero_grad(set_to_none=True)
            real = x.detach().requires_grad_(True)
            logits = n["D"](self.augment_d(real), sentence)
            out["D_r1"] = losses.r1_penalty(logits, real).mean()
            self.rt.backward(out["D_r1"] * (a.r1_gamma / 2) * a.d_reg_interval + logits.sum() * 0)
            self.rt.step(self.optimizers["D"])

        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            g_fake = losses.logistic_nonsaturating(n["D"](self.augment_d(n["G"](z, packed)), sentence), True)
        self.rt.backward(g_fake)
        self.rt.step(self.optimizers["G"])
        world = self.rt.ctx.world_size
        self.ema.update(self.nets["G"], len(x) * world, self.images_seen + len(x) * world)
        out["G_fake"] = g_fake
        return out

    def _generate(self, tokens: torch.Tensor, offset: int = 0) -> torch.Tensor:
        z = self.fixed_noise(len(tokens), self.args.z_dim, tokens.device, offset)
        return self.nets["G_ema"](z, self.conditioning(tokens)[0], noise_mode="none")

    def wrap(self, ctx: DistContext) -> None:
        super().wrap(ctx)
        self.ema.shadow = self.nets["G_ema"]  # the runtime may have moved it

    def init_weights(self, path: str) -> list[str]:
        filled = super().init_weights(path)
        self.nets["G_ema"].load_state_dict(self.nets["G"].state_dict())
        return [*filled, "G_ema"]

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        exported = copy.deepcopy(self.model)
        exported.image.load_state_dict(self.nets["G_ema"].state_dict())
        return exported, {}, {"resolution": self.args.resolution}


def run(args: argparse.Namespace) -> int:
    return cli_run(GigaGANRecipe, args)
