"""An image -> W+ encoder for a trained StyleGAN2 generator (pSp, Richardson et al. 2021; e4e, Tov et al. 2021).

The generator stays frozen. Each iteration draws z, maps it to w (the target ws are
known) and renders the target image; the encoder is trained to give those ws back
(a latent loss) and, through the generator, the image back (pixel L2 at full, half
and quarter size: the smaller sizes weigh the layout, which PSNR is most sensitive
to). With --data a folder of real images joins each batch with the image loss only
(their ws are unknown). e4e's delta penalty keeps the per-layer offsets from the base
w small, so that an inversion stays in the region of W+ where edits work.

The export is the encoder alone, its `w_avg` copied from the generator so that it
outputs absolute ws; its provenance names the generator file and its sha256.
"""
from __future__ import annotations

import argparse
import hashlib
import os
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset

from ganstudio.checkpoints import load_model
from ganstudio.models.stylegan2 import Generator
from ganstudio.models.stylegan2_encoder import StyleGAN2Encoder

from ..data import ImageFolderDataset
from ..loop import cli_run
from ..options import add_common_arguments
from ..recipe import Recipe, linear_decay_scheduler, make_transform, set_requires_grad

DESCRIPTION = """Train an encoder (image -> ws) for a trained StyleGAN2 generator, on the
generator's own samples and, with --data, also on a folder of real images
(DATA/images/ or DATA, searched recursively; resized to the generator's size).
The export outputs absolute ws (w_avg added) for the generator named by --generator."""

W_STATISTICS_SAMPLES = 4096


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=256, batch=16, iters=20_000, lr=5e-4, discriminator=False)
    for action in parser._actions:  # the generator's samples are the data: --data is optional here
        if action.dest == "data":
            action.required = False
            action.default = None
            action.help = "optional folder of real images to reconstruct as well (image loss only)"
        if action.dest == "resolution":
            action.help = "ignored: the generator's resolution is used"
    group = parser.add_argument_group("encoder")
    group.add_argument("--generator", required=True, help="the StyleGAN2 model file (native .safetensors or an importable file)")
    group.add_argument("--channels", type=int, default=32, help="first stage's channels, doubled per stage (default 32)")
    group.add_argument("--channel-max", type=int, default=128, help="most channels of any stage (default 128)")
    group.add_argument("--blocks", type=int, default=1, help="residual blocks per stage (default 1)")
    group.add_argument("--head-channels", type=int, default=32, help="pyramid features' width before the heads (default 32)")
    group.add_argument("--image-batch", type=int, default=None,
                       help="how many of each batch's generated samples also take the image loss through the generator "
                            "(the costly part on a CPU; default all)")
    group.add_argument("--latent-weight", type=float, default=1.0, help="weight of the ws loss, in units of w's variance (default 1)")
    group.add_argument("--image-weight", type=float, default=5.0, help="weight of the multi-scale pixel L2 loss (default 5)")
    group.add_argument("--delta-weight", type=float, default=0.01, help="e4e's penalty on per-layer deltas, in units of w's variance (default 0.01)")
    group.add_argument("--mixing", type=float, default=0.5,
                       help="probability that a generated target mixes two ws at a random layer, so the deltas learn to "
                            "differ per layer (default 0.5)")
    group.add_argument("--decay-iters", type=int, default=None, help="iterations of linear LR decay at the end (default a quarter of --iters)")


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class LatentSeeds(Dataset):
    """Items {"z", "z_mix": [z_dim], "mix", "cutoff": uniform numbers} drawn from the sampler's per-item seed.

    Every random choice of a generated target comes from here, not from the global RNG: the
    targets are a function of the data position, which the checkpoint keeps, so a resumed run
    sees the same ones (the DataLoader draws from the global RNG whenever it opens an iterator,
    which a resumed run does at another iteration than a straight one).
    """

    def __init__(self, z_dim: int, size: int = 1 << 20) -> None:
        self.z_dim, self.size = z_dim, size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, item: tuple[int, int]) -> dict[str, torch.Tensor]:
        _, seed = item
        rng = torch.Generator().manual_seed(int(seed))
        return {"z": torch.randn(self.z_dim, generator=rng), "z_mix": torch.randn(self.z_dim, generator=rng),
                "mix": torch.rand((), generator=rng), "cutoff": torch.rand((), generator=rng)}


class WithLatents(Dataset):
    """A real-image dataset whose items also carry a z, so each batch holds generated and real targets."""

    def __init__(self, images: ImageFolderDataset, z_dim: int) -> None:
        self.images, self.latents = images, LatentSeeds(z_dim)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, item: tuple[int, int]) -> dict[str, torch.Tensor]:
        return {**self.images[item], **self.latents[item]}


def multiscale_l2(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Pixel L2 at full, half and quarter size (averaged): the coarse terms weigh the layout."""
    loss = F.mse_loss(fake, real)
    for factor in (2, 4):
        if fake.shape[-1] >= 4 * factor:
            loss = loss + F.mse_loss(F.avg_pool2d(fake, factor), F.avg_pool2d(real, factor))
    return loss / 3


class EncoderRecipe(Recipe):
    name = "encoder"
    loss_names = ("latent", "image", "real_image", "delta", "psnr")

    def _load_generator(self) -> Generator:
        a = self.args
        loaded = load_model(a.generator)
        if not isinstance(loaded.module, Generator):
            raise ValueError(f"{a.generator} is a {loaded.arch} model, not a StyleGAN2 generator")
        generator = loaded.module.eval()
        set_requires_grad(generator, False)
        self.generator_sha256 = file_sha256(a.generator)
        a.resolution = generator.img_resolution  # images and the encoder follow the generator
        return generator

    def build_dataset(self) -> Dataset:
        self.G = self._load_generator()
        z_dim = self.G.z_dim
        if self.args.data is None:
            return LatentSeeds(z_dim)
        return WithLatents(ImageFolderDataset(self.args.data, make_transform(self.args, jitter=False)), z_dim)

    def init_weights(self, path: str) -> list[str]:
        filled = super().init_weights(path)
        with torch.no_grad():  # the encoder is centred on this run's generator, whichever it was trained for
            self.nets["E"].w_avg.copy_(self.G.mapping.w_avg)
        return filled

    def build(self, dataset: Dataset) -> None:
        a, G = self.args, self.G
        encoder = StyleGAN2Encoder(resolution=G.img_resolution, num_ws=G.num_ws, w_dim=G.w_dim, img_channels=G.img_channels,
                                   channels=a.channels, channel_max=a.channel_max, blocks=a.blocks, head_channels=a.head_channels)
        encoder.w_avg.copy_(G.mapping.w_avg)
        self.nets["E"] = encoder
        self.optimizers["E"] = torch.optim.Adam(encoder.parameters(), lr=a.lr, betas=(0.9, 0.99))
        decay = a.decay_iters if a.decay_iters is not None else a.iters // 4
        self.schedulers["E"] = linear_decay_scheduler(self.optimizers["E"], a.iters, decay)
        # w's spread around w_avg, from a fixed seed (the same on every rank and every resume): the latent
        # and delta losses are measured in its units, so their weights do not depend on the generator's scale
        with torch.no_grad():
            z = torch.randn(W_STATISTICS_SAMPLES, G.z_dim, generator=torch.Generator().manual_seed(0))
            w = G.mapping(z, None, skip_w_avg_update=True)[:, 0]
            self.w_var = float((w - G.mapping.w_avg).square().mean())

    def wrap(self, ctx: Any) -> None:
        super().wrap(ctx)
        self.G = self.rt.prepare(self.G)

    def _targets(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """ws of the batch's z, each mixed with the w of z_mix from a random layer on with probability --mixing."""
        G = self.G
        ws = G.mapping(batch["z"], None, skip_w_avg_update=True)
        num_ws = ws.shape[1]
        if self.args.mixing > 0 and num_ws > 1:
            other = G.mapping(batch["z_mix"], None, skip_w_avg_update=True)
            cutoff = 1 + (batch["cutoff"] * (num_ws - 1)).long().clamp(max=num_ws - 2)  # 1 .. num_ws - 1
            mixed = batch["mix"] < self.args.mixing
            take_other = (torch.arange(num_ws, device=ws.device)[None, :] >= cutoff[:, None]) & mixed[:, None]
            ws = torch.where(take_other[..., None], other, ws)
        return ws

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, G = self.args, self.G
        out: dict[str, torch.Tensor] = {}
        with torch.no_grad():
            target_ws = self._targets(batch)
            target = G.synthesis(target_ws, noise_mode="const")
        count = target.shape[0]
        images = torch.cat([target, batch["image"]]) if "image" in batch else target
        self.optimizers["E"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            # one encoder forward for generated and real images together (one DDP forward per backward)
            ws, deltas = self.train_nets["E"](images, with_deltas=True)
        ws, deltas = ws.float(), deltas.float()
        out["latent"] = (ws[:count] - target_ws).square().mean() / self.w_var
        out["delta"] = deltas.square().mean() / self.w_var
        loss = a.latent_weight * out["latent"] + a.delta_weight * out["delta"]
        shown = count if a.image_batch is None else max(0, min(a.image_batch, count))
        if shown:
            # fp32 through G, outside autocast: the frozen generator's modulation needs the precision
            fake = G.synthesis(ws[:shown], noise_mode="const")
            out["image"] = multiscale_l2(fake, target[:shown])
            loss = loss + a.image_weight * out["image"]
            # PSNR of the reconstructions, images in [-1, 1] (a peak-to-peak of 2)
            out["psnr"] = 10 * torch.log10(4 / F.mse_loss(fake.detach(), target[:shown]).clamp_min(1e-10))
        if "image" in batch:
            out["real_image"] = multiscale_l2(G.synthesis(ws[count:], noise_mode="const"), batch["image"])
            loss = loss + a.image_weight * out["real_image"]
        self.rt.backward(loss)
        self.rt.step(self.optimizers["E"])
        return out

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        """Rows of targets then their reconstructions (generated; then real ones with --data)."""
        G, E = self.G, self.nets["E"]
        target = G.synthesis(G.mapping(batch["z"], None, skip_w_avg_update=True), noise_mode="const")
        rows = [target, G.synthesis(E(target), noise_mode="const")]
        if "image" in batch:
            rows += [batch["image"], G.synthesis(E(batch["image"]), noise_mode="const")]
        return torch.cat(rows), target.shape[0]

    def extra_state(self) -> dict[str, Any]:
        return {"generator_sha256": self.generator_sha256}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        if state.get("generator_sha256") != self.generator_sha256:
            raise ValueError(f"the checkpoint was trained for another generator (sha256 {state.get('generator_sha256')}), "
                             f"not {self.args.generator} ({self.generator_sha256})")

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        generator = {"file": Path(self.args.generator).name, "sha256": self.generator_sha256,
                     "num_ws": self.G.num_ws, "w_dim": self.G.w_dim}
        return self.nets["E"], {}, {"resolution": self.G.img_resolution, "provenance": {"generator": generator}}


def run(args: argparse.Namespace) -> int:
    return cli_run(EncoderRecipe, args)
