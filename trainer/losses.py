"""Every loss term the recipes use, defined once.

Adversarial losses take discriminator logits; a multi-scale discriminator's
output (a list of per-scale feature lists, the last entry of each being the
logits) is accepted wherever logits are, and averaged over scales.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

Logits = Union[torch.Tensor, Sequence]


def _scales(pred: Logits) -> list[torch.Tensor]:
    """Flatten a discriminator output to one logits tensor per scale."""
    if isinstance(pred, torch.Tensor):
        return [pred]
    out = []
    for item in pred:
        out.append(item[-1] if isinstance(item, (list, tuple)) else item)
    return out


def _mean_over_scales(pred: Logits, term) -> torch.Tensor:
    scales = _scales(pred)
    return sum(term(p.float()) for p in scales) / len(scales)


# --- adversarial -------------------------------------------------------------

def vanilla_gan(pred: Logits, real: bool) -> torch.Tensor:
    """Binary cross-entropy on logits (pix2pix's conditional GAN loss)."""
    def term(p: torch.Tensor) -> torch.Tensor:
        target = torch.ones_like(p) if real else torch.zeros_like(p)
        return F.binary_cross_entropy_with_logits(p, target)
    return _mean_over_scales(pred, term)


def least_squares_gan(pred: Logits, real: bool) -> torch.Tensor:
    """LSGAN: mean squared distance to 1 (real) or 0 (fake) (CycleGAN)."""
    return _mean_over_scales(pred, lambda p: ((p - (1.0 if real else 0.0)) ** 2).mean())


def hinge_discriminator(pred: Logits, real: bool) -> torch.Tensor:
    """Hinge loss for D: relu(1 - D(real)) / relu(1 + D(fake)) (SPADE)."""
    sign = -1.0 if real else 1.0
    return _mean_over_scales(pred, lambda p: F.relu(1.0 + sign * p).mean())


def hinge_generator(pred: Logits) -> torch.Tensor:
    """Hinge loss for G: -D(fake)."""
    return _mean_over_scales(pred, lambda p: -p.mean())


def wasserstein(pred: torch.Tensor, real: bool) -> torch.Tensor:
    """WGAN critic term: -D(real) or +D(fake) (StarGAN)."""
    return -pred.float().mean() if real else pred.float().mean()


def logistic_nonsaturating(pred: torch.Tensor, real: bool) -> torch.Tensor:
    """StyleGAN2's softplus form: softplus(-D(x)) for real targets, softplus(D(x)) for fake."""
    return F.softplus(-pred.float()).mean() if real else F.softplus(pred.float()).mean()


# --- OASIS: per-pixel (N+1)-class adversarial loss and LabelMix ------------
# Schönfeld et al. 2021. The discriminator labels every pixel with one of the N
# semantic classes (output channel c + 1) or "fake" (channel 0).

def class_balance_weights(label: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Per-class weights [num_classes] for a batch of class ids [B,H,W]: inversely
    proportional to each class's pixel count, scaled so that the mean weight over
    the batch's pixels is 1 (K classes present: weight_c = pixels / (K * count_c)).
    Classes absent from the batch get 0. Rare classes (a small lake) then count as
    much as the sky in the loss, which is what makes OASIS learn them."""
    counts = torch.bincount(label.reshape(-1), minlength=num_classes)[:num_classes].float()
    present = (counts > 0).sum().clamp(min=1)
    return torch.where(counts > 0, label.numel() / (present * counts.clamp(min=1)), torch.zeros_like(counts))


def oasis_real_loss(logits: torch.Tensor, label: torch.Tensor, balance: bool = True) -> torch.Tensor:
    """Cross-entropy of per-pixel logits [B, N+1, H, W] against the real classes
    (class c is channel c + 1), class-balanced. D's loss on real images, and G's
    adversarial loss on its fakes (G wants D to see the label map's classes)."""
    logits = logits.float()
    per_pixel = F.cross_entropy(logits, label + 1, reduction="none")
    if balance:
        per_pixel = per_pixel * class_balance_weights(label, logits.shape[1] - 1)[label]
    return per_pixel.mean()


def oasis_fake_loss(logits: torch.Tensor) -> torch.Tensor:
    """D's loss on generated images: every pixel is class 0, "fake" (not balanced, as in the paper)."""
    logits = logits.float()
    target = torch.zeros(logits.shape[0], *logits.shape[2:], dtype=torch.long, device=logits.device)
    return F.cross_entropy(logits, target)


def labelmix_mask(label: torch.Tensor, num_classes: int) -> torch.Tensor:
    """A binary mask [B,1,H,W] (float) that is constant on each class region of
    the label map [B,H,W]: every class of every image is independently 1 (take
    the real image) or 0 (the fake), drawn from torch's global RNG on the label's
    device (so a checkpoint's RNG state makes it repeat on resume)."""
    bits = torch.randint(0, 2, (label.shape[0], num_classes), device=label.device)
    return bits.gather(1, label.reshape(label.shape[0], -1)).reshape(label.shape[0], 1, *label.shape[1:]).float()


def labelmix(mask: torch.Tensor, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """mask * real + (1 - mask) * fake (images, or D's logits of them)."""
    return mask * real + (1 - mask) * fake


def labelmix_penalty(mask: torch.Tensor, d_mixed: torch.Tensor, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """LabelMix consistency: mean squared difference between D's logits of the mixed
    image and the same mix of D's logits of the real and the fake image. It makes D
    judge each region by its own content and keeps its output consistent at the
    boundaries between real and fake regions."""
    return F.mse_loss(d_mixed.float(), labelmix(mask, d_real.float(), d_fake.float()))


# --- gradient penalties ------------------------------------------------------

def gradient_penalty(critic_out: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: (||dD/dx||_2 - 1)^2 at `inputs` (interpolates that require grad)."""
    (grad,) = torch.autograd.grad(critic_out.float().sum(), inputs, create_graph=True)
    norm = grad.flatten(1).norm(2, dim=1)
    return ((norm - 1.0) ** 2).mean()


def r1_penalty(real_logits: torch.Tensor, real_images: torch.Tensor) -> torch.Tensor:
    """R1: squared gradient norm of D at real images, per sample (not yet weighted)."""
    (grad,) = torch.autograd.grad(real_logits.float().sum(), real_images, create_graph=True)
    return grad.float().square().sum(dim=[1, 2, 3])


def path_length_penalty(images: torch.Tensor, ws: torch.Tensor, pl_mean: torch.Tensor, decay: float = 0.01) -> tuple[torch.Tensor, torch.Tensor]:
    """StyleGAN2 path-length regularizer.

    Returns (per-sample penalty, updated running mean of path lengths). The
    random image-space direction is scaled by 1/sqrt(H*W) so the length does
    not grow with resolution.
    """
    noise = torch.randn_like(images) / math.sqrt(images.shape[2] * images.shape[3])
    (grad,) = torch.autograd.grad((images * noise).sum(), ws, create_graph=True)
    lengths = grad.float().square().sum(2).mean(1).sqrt()
    new_mean = pl_mean.lerp(lengths.mean().detach(), decay)
    return (lengths - new_mean).square(), new_mean


# --- reconstruction-style terms ---------------------------------------------

def l1(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error (pix2pix L1, cycle, identity and StarGAN reconstruction)."""
    return F.l1_loss(output.float(), target.float())


def domain_classification(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Multi-label attribute classification: BCE on logits summed over attributes, mean over batch."""
    return F.binary_cross_entropy_with_logits(logits.float().flatten(1), labels.float(), reduction="sum") / logits.shape[0]


def feature_matching(fake_features: Sequence, real_features: Sequence) -> torch.Tensor:
    """Discriminator feature matching (pix2pixHD / SPADE): L1 between the
    intermediate features of D on fake and on real, all layers but the logits,
    averaged over scales."""
    num_scales = len(fake_features)
    total = fake_features[0][0].new_zeros((), dtype=torch.float32)
    for fake_scale, real_scale in zip(fake_features, real_features):
        for fake_feat, real_feat in zip(fake_scale[:-1], real_scale[:-1]):
            total = total + F.l1_loss(fake_feat.float(), real_feat.detach().float())
    return total / num_scales


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)), summed as in SPADE's VAE."""
    return -0.5 * torch.sum(1 + logvar.float() - mu.float().pow(2) - logvar.float().exp())


# --- perceptual --------------------------------------------------------------

VGG19_FILENAME = "vgg19-dcbb9e9d.pth"
# relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 in torchvision's vgg19().features
_VGG_SLICE_ENDS = (2, 7, 12, 21, 30)
_VGG_WEIGHTS = (1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0)


def default_vgg19_path() -> Path:
    """Where torchvision would have cached its VGG19 weights."""
    hub = Path(os.environ.get("TORCH_HOME", Path.home() / ".cache" / "torch")) / "hub" / "checkpoints"
    return hub / VGG19_FILENAME


class VGGPerceptualLoss(nn.Module):
    """L1 between VGG19 activations of two images, weighted per layer as in pix2pixHD/SPADE.

    Built on torchvision's VGG19 architecture with weights read from a local
    file; nothing is downloaded. Inputs are in [-1, 1] and are mapped to the
    ImageNet normalisation the weights were trained with.
    """

    def __init__(self, weights_path: str | os.PathLike[str]) -> None:
        super().__init__()
        from torchvision.models import vgg19

        features = vgg19().features
        state = torch.load(os.fspath(weights_path), map_location="cpu", weights_only=True)
        state = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
        features.load_state_dict(state)
        self.slices = nn.ModuleList()
        start = 0
        for end in _VGG_SLICE_ENDS:
            self.slices.append(nn.Sequential(*[features[i] for i in range(start, end)]))
            start = end
        self.requires_grad_(False).eval()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def train(self, mode: bool = True) -> "VGGPerceptualLoss":
        return super().train(False)  # a fixed feature extractor

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        x = ((fake.float() + 1) / 2 - self.mean) / self.std
        y = ((real.float() + 1) / 2 - self.mean) / self.std
        loss = x.new_zeros(())
        for weight, block in zip(_VGG_WEIGHTS, self.slices):
            x, y = block(x), block(y)
            loss = loss + weight * F.l1_loss(x, y.detach())
        return loss


def find_vgg19_weights(explicit: str | None) -> Path | None:
    """The VGG19 weights file to use: the given path, else torchvision's cache, else None."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"--vgg-weights: no such file {path}")
        return path
    cached = default_vgg19_path()
    return cached if cached.is_file() else None
