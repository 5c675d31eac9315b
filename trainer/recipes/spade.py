"""SPADE (Park et al. 2019): semantic image synthesis from label maps.

SPADE generator, multi-scale PatchGAN discriminator on (label map, image),
hinge loss, discriminator feature matching, VGG19 perceptual loss (when the
weights are on disk), optional VAE style encoder with a KL loss, and the
two-time-scale update rule. SEAN reuses this recipe with its own generator.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

import torch
import torch.nn as nn

from ganstudio.models.layers import SpectralNormConv2d
from ganstudio.models.spade import ConvEncoder, MultiscaleDiscriminator, SPADEGenerator

from .. import losses
from ..data import LabelMapDataset
from ..loop import cli_run
from ..options import add_common_arguments, add_lr_decay_argument
from ..recipe import Recipe, linear_decay_scheduler, make_transform, set_requires_grad

DESCRIPTION = """Train {name} on label maps and photos.
DATA/labels/NAME.png (class ids as grayscale or indexed PNG, or palette colours)
and DATA/images/NAME.<ext> are paired by name; DATA/palette.json (a list of
{{"name", "color"}}) names the classes and is stored in the exported model."""


def add_semantic_arguments(parser: argparse.ArgumentParser, name: str) -> argparse._ArgumentGroup:
    """Options shared by spade and sean."""
    parser.description = DESCRIPTION.format(name=name)
    add_common_arguments(parser, resolution=256, batch=1, iters=100_000, lr=2e-4)
    group = parser.add_argument_group(name)
    group.add_argument("--num-classes", type=int, default=None, help="classes in the label maps (default: palette length, else highest id + 1)")
    group.add_argument("--ngf", type=int, default=64, help="generator width (default 64)")
    group.add_argument("--spade-hidden", type=int, default=128,
                       help="width of the SPADE norms' shared embedding (default 128 as the reference; smaller is much cheaper)")
    group.add_argument("--ndf", type=int, default=64, help="discriminator width (default 64)")
    group.add_argument("--n-layers-d", type=int, default=4, help="layers per discriminator (default 4)")
    group.add_argument("--num-d", type=int, default=2, help="discriminator scales (default 2)")
    group.add_argument("--num-upsampling-layers", choices=["normal", "more", "most"], default="normal",
                       help="generator depth: latent side = resolution / 2^5, 2^6 or 2^7 (default normal)")
    group.add_argument("--lambda-feat", type=float, default=10.0, help="discriminator feature-matching weight (default 10)")
    group.add_argument("--lambda-vgg", type=float, default=10.0, help="VGG perceptual loss weight (default 10)")
    group.add_argument("--vgg-weights", default=None,
                       help=f"torchvision VGG19 weights file for the perceptual loss (default: {losses.default_vgg19_path()} if present; "
                            "without weights the VGG loss is skipped, with a message)")
    group.add_argument("--no-vgg", action="store_true", help="do not use the VGG perceptual loss")
    group.add_argument("--no-ttur", action="store_true",
                       help="same lr for G and D and Adam betas (0.5, 0.999) instead of TTUR (G lr/2, D lr*2, betas (0, 0.9))")
    add_lr_decay_argument(group)
    return group


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = add_semantic_arguments(parser, "spade")
    group.add_argument("--use-vae", action="store_true", help="train a VAE style encoder too (exported as the 'encoder' part)")
    group.add_argument("--z-dim", type=int, default=256, help="VAE latent size (default 256)")
    group.add_argument("--lambda-kld", type=float, default=0.05, help="KL divergence weight with --use-vae (default 0.05)")


def init_xavier(net: nn.Module, gain: float = 0.02) -> None:
    """SPADE's init: xavier-normal (gain 0.02) plain conv/linear weights, zero biases,
    BatchNorm scales N(1, 0.02). Spectrally normalised convs keep torch's default,
    which is what the reference's init amounts to for them."""
    for module in net.modules():
        if isinstance(module, SpectralNormConv2d):
            continue
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_normal_(module.weight, gain=gain)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d) and module.affine:
            nn.init.normal_(module.weight, 1.0, gain)
            nn.init.zeros_(module.bias)


def split_prediction(pred: list[list[torch.Tensor]], fake_count: int) -> tuple[list[list[torch.Tensor]], list[list[torch.Tensor]]]:
    """D ran on cat([fake, real]) along the batch: split every scale's features."""
    fake = [[f[:fake_count] for f in scale] for scale in pred]
    real = [[f[fake_count:] for f in scale] for scale in pred]
    return fake, real


class SemanticRecipe(Recipe):
    """The losses and steps shared by SPADE and SEAN; subclasses make the generator."""

    loss_names = ("G_GAN", "G_feat", "G_VGG", "D_real", "D_fake")

    def build_dataset(self) -> LabelMapDataset:
        return LabelMapDataset(self.args.data, make_transform(self.args, jitter=False), self.args.num_classes)

    def make_generator(self, label_nc: int) -> nn.Module:
        raise NotImplementedError

    def build(self, dataset: LabelMapDataset) -> None:
        a = self.args
        self.labels = dataset.labels_meta
        generator = self.make_generator(dataset.num_classes)
        semantic_nc = generator.semantic_nc
        self.nets["G"] = generator
        self.nets["D"] = MultiscaleDiscriminator(semantic_nc=semantic_nc, ndf=a.ndf, n_layers_D=a.n_layers_d, num_D=a.num_d)
        self.add_encoder()
        for net in self.nets.values():
            init_xavier(net)
        if a.no_ttur:
            g_lr, d_lr, betas = a.lr, a.lr, (0.5, 0.999)
        else:
            g_lr, d_lr, betas = a.lr / 2, a.lr * 2, (0.0, 0.9)
        g_params = [p for name, net in self.nets.items() if name != "D" for p in net.parameters()]
        self.optimizers = {
            "G": torch.optim.Adam(g_params, lr=g_lr, betas=betas),
            "D": torch.optim.Adam(self.nets["D"].parameters(), lr=d_lr, betas=betas),
        }
        self.schedulers = {k: linear_decay_scheduler(o, a.iters, a.decay_iters) for k, o in self.optimizers.items()}
        self.vgg = self._make_vgg()

    def add_encoder(self) -> None:
        pass

    def _make_vgg(self) -> nn.Module | None:
        a = self.args
        if a.no_vgg or a.lambda_vgg == 0:
            return None
        path = losses.find_vgg19_weights(a.vgg_weights)
        if path is None:
            if self.rt.ctx.is_main:
                print(f"VGG perceptual loss skipped: no VGG19 weights at {losses.default_vgg19_path()} "
                      "(pass --vgg-weights PATH to a torchvision vgg19 state dict to enable it)", file=sys.stderr)
            return None
        return losses.VGGPerceptualLoss(path).to(self.rt.device)

    def generate(self, generator: nn.Module, seg: torch.Tensor, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(fake image, KL term or None) for one batch."""
        raise NotImplementedError

    def discriminate(self, discriminator: nn.Module, seg: torch.Tensor, fake: torch.Tensor, real: torch.Tensor):
        # --diffaugment: fake and real get the same draws (feature matching compares them place by
        # place) and the label map moves with them
        images, segs = self.augment_d(torch.cat([fake, real], 0), torch.cat([seg, seg], 0), tile=2)
        pred = discriminator(torch.cat([segs, images], 1))
        return split_prediction(pred, fake.shape[0])

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n = self.args, self.train_nets
        real = batch["image"]
        seg = self.nets["G"].semantic_input(batch["label"]).to(real.dtype)
        if self.rt.cuda:
            seg = seg.contiguous(memory_format=torch.channels_last)

        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self.rt.autocast():
            fake, kld = self.generate(n["G"], seg, real)
            pred_fake, pred_real = self.discriminate(self.nets["D"], seg, fake, real)
        out = {"G_GAN": losses.hinge_generator(pred_fake), "G_feat": losses.feature_matching(pred_fake, pred_real)}
        total = out["G_GAN"] + a.lambda_feat * out["G_feat"]
        if self.vgg is not None:
            out["G_VGG"] = self.vgg(fake, real)
            total = total + a.lambda_vgg * out["G_VGG"]
        if kld is not None:
            out["KLD"] = kld
            total = total + a.lambda_kld * kld
        self.rt.backward(total)
        self.rt.step(self.optimizers["G"])

        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with torch.no_grad(), self.rt.autocast():
            fake, _ = self.generate(self.nets["G"], seg, real)
        with self.rt.autocast():
            pred_fake, pred_real = self.discriminate(n["D"], seg, fake.detach(), real)
        out["D_fake"] = losses.hinge_discriminator(pred_fake, False)
        out["D_real"] = losses.hinge_discriminator(pred_real, True)
        self.rt.backward(out["D_fake"] + out["D_real"])
        self.rt.step(self.optimizers["D"])
        return out

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        real = batch["image"]
        fake, _ = self.generate(self.nets["G"], self.nets["G"].semantic_input(batch["label"]).to(real.dtype), real)
        return fake, real

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        real = batch["image"]
        seg = self.nets["G"].semantic_input(batch["label"]).to(real.dtype)
        fake, _ = self.generate(self.nets["G"], seg, real)
        colors = torch.tensor([entry["color"] for entry in self.labels], dtype=real.dtype, device=real.device)
        label_rgb = colors[batch["label"].clamp(max=len(self.labels) - 1)].permute(0, 3, 1, 2) / 127.5 - 1
        return torch.cat([label_rgb, fake, real], 0), real.shape[0]

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        parts = {"encoder": self.nets["E"]} if "E" in self.nets else {}
        return self.nets["G"], parts, {"labels": self.labels, "resolution": self.args.resolution}


class SPADERecipe(SemanticRecipe):
    name = "spade"
    loss_names = SemanticRecipe.loss_names + ("KLD",)

    def make_generator(self, label_nc: int) -> nn.Module:
        a = self.args
        return SPADEGenerator(label_nc=label_nc, ngf=a.ngf, crop_size=a.resolution, num_upsampling_layers=a.num_upsampling_layers,
                              use_vae=a.use_vae, z_dim=a.z_dim, spade_hidden=a.spade_hidden)

    def add_encoder(self) -> None:
        if self.args.use_vae:
            self.nets["E"] = ConvEncoder(ngf=self.args.ngf, crop_size=self.args.resolution, z_dim=self.args.z_dim)

    def generate(self, generator: nn.Module, seg: torch.Tensor, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        if not self.args.use_vae:
            return generator(seg), None
        encoder = self.train_nets["E"] if torch.is_grad_enabled() else self.nets["E"]
        mu, logvar = encoder(real)
        z = SPADEGenerator.reparameterize(mu, logvar)
        return generator(seg, z), losses.kl_divergence(mu, logvar)


def run(args: argparse.Namespace) -> int:
    return cli_run(SPADERecipe, args)
