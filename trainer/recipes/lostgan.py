"""LostGAN-v2 (Sun & Wu 2019/2020): an image from a layout of labelled boxes.

The generator is the published one (ganstudio.models.lostgan). The discriminator is a smaller version of the
paper's two-branch design: an image branch and an object branch that crops each box from mid-level features
(ROI-Align) and scores it with a class projection (Miyato & Koyama 2018); hinge losses on both, Adam(1e-4,
0, 0.999) as the reference trains. Layouts come from label maps: one box per connected class region
(trainer.synthetic.layout_boxes), so any label-map dataset (DATA/labels + DATA/images, palette.json) trains it.
"""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import roi_align

from ganstudio.models.lostgan import LostGANGenerator

from ..data.labelmaps import LabelMapDataset
from ..loop import cli_run
from ..options import add_common_arguments
from ..recipe import Recipe, make_transform, set_requires_grad
from ..synthetic.layout_boxes import label_map_boxes

DESCRIPTION = """Train LostGAN-v2 on label maps with photos (DATA/labels, DATA/images, DATA/palette.json): each
connected region of a class becomes a labelled box. --resolution is 128 or 256 (the published layouts)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=128, batch=8, iters=100_000, lr=1e-4)
    group = parser.add_argument_group("lostgan")
    group.add_argument("--ch", type=int, default=64, help="generator width: 16*ch channels at 4x4 (default 64)")
    group.add_argument("--ndf", type=int, default=64, help="discriminator width (default 64)")
    group.add_argument("--z-dim", type=int, default=128, help="per-object and image latent size (default 128)")
    group.add_argument("--mask-hidden", type=int, default=256, help="mask network width (default 256)")
    group.add_argument("--mask-head", type=int, default=100, help="per-stage mask head width (default 100)")
    group.add_argument("--max-objects", type=int, default=8, help="boxes per layout, largest regions first (default 8)")
    group.add_argument("--min-area", type=int, default=16, help="smallest region in pixels that gets a box (default 16)")
    group.add_argument("--lambda-obj", type=float, default=1.0, help="weight of the object discriminator (default 1)")


class LayoutDataset(LabelMapDataset):
    """Label-map items plus the layout derived after the crop and flip: bbox [o, 4], y [o] (0 = padding)."""

    def __init__(self, root: Any, transform: Any, max_objects: int, min_area: int) -> None:
        super().__init__(root, transform)
        self.max_objects, self.min_area = max_objects, min_area

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        item = super().load(index, generator)
        boxes, classes, _masks = label_map_boxes(item["label"].numpy(), self.max_objects, self.min_area)
        item["bbox"], item["y"] = torch.from_numpy(boxes), torch.from_numpy(classes)
        return item


def sn(module: nn.Module) -> nn.Module:
    return nn.utils.spectral_norm(module)


class LayoutDiscriminator(nn.Module):
    """Image score [B] and object scores [N] for the non-padding objects."""

    def __init__(self, num_classes: int, ndf: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(sn(nn.Conv2d(3, ndf, 4, 2, 1)), nn.LeakyReLU(0.2), sn(nn.Conv2d(ndf, 2 * ndf, 4, 2, 1)), nn.LeakyReLU(0.2))
        self.image_head = nn.Sequential(sn(nn.Conv2d(2 * ndf, 4 * ndf, 4, 2, 1)), nn.LeakyReLU(0.2), sn(nn.Conv2d(4 * ndf, 1, 3, 1, 1)))
        self.object_body = nn.Sequential(sn(nn.Conv2d(2 * ndf, 4 * ndf, 3, 1, 1)), nn.LeakyReLU(0.2))
        self.object_linear = sn(nn.Linear(4 * ndf, 1))
        self.embedding = sn(nn.Embedding(num_classes, 4 * ndf))

    def forward(self, image: torch.Tensor, bbox: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.stem(image)
        d_image = self.image_head(feats).mean(dim=(1, 2, 3))
        b, o = y.shape
        keep = (y > 0).flatten()
        side = image.shape[-1]
        x0, y0, w, h = bbox.reshape(b * o, 4).unbind(1)
        index = torch.arange(b, device=image.device).repeat_interleave(o).to(image.dtype)
        rois = torch.stack([index, x0 * side, y0 * side, (x0 + w) * side, (y0 + h) * side], dim=1)[keep]
        crops = roi_align(feats, rois, output_size=(8, 8), spatial_scale=feats.shape[-1] / side, aligned=True)
        h_obj = self.object_body(crops).sum(dim=(2, 3))
        labels = y.flatten()[keep]
        d_object = self.object_linear(h_obj).squeeze(1) + (self.embedding(labels) * h_obj).sum(dim=1)
        return d_image, d_object


class LostGANRecipe(Recipe):
    name = "lostgan"
    loss_names = ("D_image", "D_object", "G_image", "G_object")

    def build_dataset(self) -> LayoutDataset:
        a = self.args
        if a.resolution not in (128, 256):
            raise SystemExit(f"--resolution must be 128 or 256 (LostGAN-v2's layouts), got {a.resolution}")
        return LayoutDataset(a.data, make_transform(a, jitter=False), a.max_objects, a.min_area)

    def build(self, dataset: LayoutDataset) -> None:
        a = self.args
        palette = dataset.labels_meta or [{"name": f"class {i}", "color": [0, 0, 0]} for i in range(dataset.num_classes)]
        # the layout's class ids: 0 pads (LostGAN's __image__), then the palette's classes shifted by one
        self.labels = [{"id": 0, "name": "__image__", "color": [0, 0, 0]}] + [
            {"id": i + 1, "name": e["name"], "color": list(e["color"])} for i, e in enumerate(palette)]
        self.class_names = [entry["name"] for entry in self.labels]
        self.nets["G"] = LostGANGenerator(size=a.resolution, ch=a.ch, num_classes=len(self.class_names), z_dim=a.z_dim,
                                          mask_hidden=a.mask_hidden, mask_head=a.mask_head)
        self.nets["D"] = LayoutDiscriminator(len(self.class_names), a.ndf)
        self.optimizers = {k: torch.optim.Adam(self.nets[k].parameters(), lr=a.lr, betas=(0.0, 0.999)) for k in ("G", "D")}

    def _latents(self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        b, o = batch["y"].shape
        z_obj = torch.randn(b, o, self.args.z_dim, generator=generator)
        z_im = torch.randn(b, self.args.z_dim, generator=generator)
        return z_obj.to(self.rt.device), z_im.to(self.rt.device)

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        n, out, a = self.train_nets, {}, self.args
        real, bbox, y = batch["image"], batch["bbox"], batch["y"]
        z_obj, z_im = self._latents(batch)
        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            fake = n["G"](z_obj, bbox, z_im, y)
            real_image, real_object = n["D"](self.augment_d(real), bbox, y)
            fake_image, fake_object = n["D"](self.augment_d(fake.detach()), bbox, y)
            out["D_image"] = F.relu(1 - real_image).mean() + F.relu(1 + fake_image).mean()
            out["D_object"] = F.relu(1 - real_object).mean() + F.relu(1 + fake_object).mean()
        self.rt.backward(out["D_image"] + a.lambda_obj * out["D_object"])
        self.rt.step(self.optimizers["D"])

        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            g_image, g_object = n["D"](self.augment_d(fake), bbox, y)
            out["G_image"], out["G_object"] = -g_image.mean(), -g_object.mean()
        self.rt.backward(out["G_image"] + a.lambda_obj * out["G_object"])
        self.rt.step(self.optimizers["G"])
        return out

    @torch.no_grad()
    def generate(self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None) -> torch.Tensor:
        net = self.nets["G"]
        was_training = net.training
        net.eval()
        try:
            z_obj, z_im = self._latents(batch, generator)
            return net(z_obj, batch["bbox"], z_im, batch["y"]).clamp(-1, 1)
        finally:
            net.train(was_training)

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        fake = self.generate(batch, torch.Generator().manual_seed(1234))
        return torch.cat([batch["image"], fake]), batch["image"].shape[0]

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        return self.generate(batch), batch["image"]

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        return self.nets["G"], {}, {"resolution": self.args.resolution, "labels": self.labels}


def run(args: argparse.Namespace) -> int:
    return cli_run(LostGANRecipe, args)
