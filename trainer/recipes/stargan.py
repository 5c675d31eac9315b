"""StarGAN (Choi et al. 2018): one generator for many attribute domains.
WGAN-GP adversarial loss, domain classification loss, reconstruction loss,
n_critic discriminator steps per generator step, multi-attribute labels."""
from __future__ import annotations

import argparse
import math
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.stargan import Discriminator, Generator

from .. import losses
from ..data import AttributeDataset
from ..data.attributes import DEFAULT_ATTRIBUTES
from ..loop import cli_run
from ..options import add_common_arguments, add_lr_decay_argument
from ..recipe import Recipe, linear_decay_scheduler, make_transform, set_requires_grad

DESCRIPTION = f"""Train StarGAN on faces with binary attributes.
DATA holds a CelebA-style attribute list (list_attr.txt or list_attr_celeba.txt:
a count line, a line of attribute names, then `FILE v1 v2 ...` with 1/-1) and
the images in DATA/images/, DATA/img_align_celeba/ or DATA itself.
Default attributes: {' '.join(DEFAULT_ATTRIBUTES)} (those present in the list)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=128, batch=16, iters=200_000, lr=1e-4)
    group = parser.add_argument_group("stargan")
    group.add_argument("--attrs", nargs="+", default=None, help="attributes to learn (default: the five above)")
    group.add_argument("--attr-file", default=None, help="attribute list path if not in DATA")
    group.add_argument("--center-crop", type=int, default=None, help="centre-crop this square before resizing (178 for CelebA)")
    group.add_argument("--g-conv-dim", type=int, default=64, help="generator width (default 64)")
    group.add_argument("--d-conv-dim", type=int, default=64, help="discriminator width (default 64)")
    group.add_argument("--g-repeat", type=int, default=6, help="generator residual blocks (default 6)")
    group.add_argument("--d-repeat", type=int, default=None, help="discriminator stride-2 layers (default 6, fewer below 128 px)")
    group.add_argument("--d-lr", type=float, default=None, help="discriminator learning rate (default --lr)")
    group.add_argument("--n-critic", type=int, default=5, help="discriminator steps per generator step (default 5)")
    group.add_argument("--lambda-cls", type=float, default=1.0, help="domain classification weight (default 1)")
    group.add_argument("--lambda-rec", type=float, default=10.0, help="reconstruction weight (default 10)")
    group.add_argument("--lambda-gp", type=float, default=10.0, help="gradient penalty weight (default 10)")
    group.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5)")
    group.add_argument("--beta2", type=float, default=0.999, help="Adam beta2 (default 0.999)")
    add_lr_decay_argument(group)


class StarGANRecipe(Recipe):
    name = "stargan"
    loss_names = ("D_real", "D_fake", "D_cls", "D_gp", "G_fake", "G_rec", "G_cls")

    def build_dataset(self) -> AttributeDataset:
        a = self.args
        return AttributeDataset(a.data, make_transform(a, jitter=False, center_crop=a.center_crop), a.attrs, a.attr_file)

    def build(self, dataset: AttributeDataset) -> None:
        a = self.args
        self.attributes = dataset.attributes
        c_dim = len(self.attributes)
        d_repeat = a.d_repeat or min(6, int(math.log2(a.resolution)) - 1)
        self.nets["G"] = Generator(conv_dim=a.g_conv_dim, c_dim=c_dim, repeat_num=a.g_repeat)
        self.nets["D"] = Discriminator(image_size=a.resolution, conv_dim=a.d_conv_dim, c_dim=c_dim, repeat_num=d_repeat)
        betas = (a.beta1, a.beta2)
        self.optimizers = {
            "G": torch.optim.Adam(self.nets["G"].parameters(), lr=a.lr, betas=betas),
            "D": torch.optim.Adam(self.nets["D"].parameters(), lr=a.d_lr or a.lr, betas=betas),
        }
        self.schedulers = {k: linear_decay_scheduler(o, a.iters, a.decay_iters) for k, o in self.optimizers.items()}

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n = self.args, self.train_nets
        x_real, c_org = batch["image"], batch["label"]
        c_trg = c_org[torch.randperm(c_org.shape[0]).to(c_org.device)]

        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with torch.no_grad(), self.rt.autocast():
            x_fake = self.nets["G"](x_real, c_trg)
        with self.rt.autocast():
            src_real, cls_real = n["D"](self.augment_d(x_real))
            src_fake, _ = n["D"](self.augment_d(x_fake.detach()))
        d_real = losses.wasserstein(src_real, True)
        d_fake = losses.wasserstein(src_fake, False)
        d_cls = losses.domain_classification(cls_real, c_org)
        alpha = torch.rand(x_real.shape[0], 1, 1, 1, device=x_real.device)
        x_hat = (alpha * x_real + (1 - alpha) * x_fake.float()).requires_grad_(True)
        src_hat, _ = n["D"](self.augment_d(x_hat))  # fp32: the penalty differentiates through D (and the augmentation)
        d_gp = losses.gradient_penalty(src_hat, x_hat)
        self.rt.backward(d_real + d_fake + a.lambda_cls * d_cls + a.lambda_gp * d_gp)
        self.rt.step(self.optimizers["D"])
        out = {"D_real": d_real, "D_fake": d_fake, "D_cls": d_cls, "D_gp": d_gp}

        if (iteration + 1) % a.n_critic == 0:
            set_requires_grad(self.nets["D"], False)
            self.optimizers["G"].zero_grad(set_to_none=True)
            with self.rt.autocast():
                x_fake = n["G"](x_real, c_trg)
                src_fake, cls_fake = self.nets["D"](self.augment_d(x_fake))
                x_rec = n["G"](x_fake, c_org)
            g_fake = losses.wasserstein(src_fake, True)
            g_cls = losses.domain_classification(cls_fake, c_trg)
            g_rec = losses.l1(x_rec, x_real)
            self.rt.backward(g_fake + a.lambda_rec * g_rec + a.lambda_cls * g_cls)
            self.rt.step(self.optimizers["G"])
            out.update({"G_fake": g_fake, "G_rec": g_rec, "G_cls": g_cls})
        return out

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Every face with one attribute flipped (the k-th face the (k mod n)-th), against the faces themselves."""
        x, c = batch["image"], batch["label"]
        target = c.clone()
        index = torch.arange(c.shape[0], device=c.device)
        target[index, index % c.shape[1]] = 1 - target[index, index % c.shape[1]]
        return self.nets["G"](x, target), x

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        """Each row: the input, then the input with one attribute flipped at a time."""
        x, c = batch["image"], batch["label"]
        rows = [x]
        for k in range(c.shape[1]):
            target = c.clone()
            target[:, k] = 1 - target[:, k]
            rows.append(self.nets["G"](x, target))
        return torch.stack(rows, 1).flatten(0, 1), len(rows)

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        # the discriminator's classification head goes along: the app uses it to tell what each face
        # of a folder run already has ("photo has"), instead of one setting for every photo
        return self.nets["G"], {"discriminator": self.nets["D"]}, {"attributes": list(self.attributes), "resolution": self.args.resolution}


def run(args: argparse.Namespace) -> int:
    return cli_run(StarGANRecipe, args)
