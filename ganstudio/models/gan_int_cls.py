"""GAN-CLS / GAN-INT-CLS (Reed et al. 2016, "Generative Adversarial Text to Image Synthesis").

The generator joins a projected sentence embedding to the noise z and upsamples with
transposed convolutions (DCGAN), with the residual block of the authors' Torch7
generator at 4x4; the discriminator downsamples the image to 4x4, tiles the projected
embedding beside it and scores the pair, so it can tell a real image with the wrong
sentence ("matching-aware"). The published files are Lua Torch7 and no port has
weights, so these networks are the studio's own (native files only); the text
encoder is ours as well (text_encoder.py) and is part of the generator's file.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .text_encoder import TextEncoder


def _levels(resolution: int) -> int:
    """Stride-2 upsamplings from 4x4 to the resolution (a power of two, at least 8)."""
    return int(math.log2(resolution)) - 2


class ImageGenerator(nn.Module):
    """(z [N, z_dim], sentence embedding [N, text_dim]) -> image [N, C, R, R] in [-1, 1]."""

    def __init__(self, *, text_dim: int = 128, z_dim: int = 100, proj_dim: int = 128, ngf: int = 64, resolution: int = 64,
                 img_channels: int = 3) -> None:
        super().__init__()
        self.z_dim, self.text_dim, self.resolution = z_dim, text_dim, resolution
        n = _levels(resolution)
        chans = [ngf * min(8, 2 ** (n - 1 - i)) for i in range(n)]
        self.project = nn.Sequential(nn.Linear(text_dim, proj_dim), nn.LeakyReLU(0.2))
        self.head = nn.Sequential(nn.ConvTranspose2d(z_dim + proj_dim, chans[0], 4, 1, 0, bias=False), nn.BatchNorm2d(chans[0]))
        mid = max(chans[0] // 4, 1)
        self.residual = nn.Sequential(
            nn.Conv2d(chans[0], mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(True),
            nn.Conv2d(mid, mid, 3, padding=1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(True),
            nn.Conv2d(mid, chans[0], 3, padding=1, bias=False), nn.BatchNorm2d(chans[0]),
        )
        ups: list[nn.Module] = []
        for cin, cout in zip(chans[:-1], chans[1:]):
            ups += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]
        ups += [nn.ConvTranspose2d(chans[-1], img_channels, 4, 2, 1), nn.Tanh()]
        self.body = nn.Sequential(*ups)

    def forward(self, z: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        x = torch.cat([z, self.project(embedding)], 1)[:, :, None, None]
        x = self.head(x)
        x = F.relu(x + self.residual(x))
        return self.body(x)


class TextToImageGenerator(nn.Module):
    """Sentence token ids + z -> image: the file's main network (text encoder + image generator).

    forward(z, tokens); `embed(tokens)` and `synthesize(z, embedding)` split it, so that
    embeddings can be interpolated between sentences (the INT of GAN-INT-CLS).
    """

    def __init__(self, *, vocabulary: Sequence[str], word_dim: int = 64, text_channels: int = 128, text_dim: int = 128,
                 max_words: int = 48, z_dim: int = 100, proj_dim: int = 128, ngf: int = 64, resolution: int = 64,
                 img_channels: int = 3) -> None:
        super().__init__()
        self.config = {"vocabulary": list(vocabulary), "word_dim": word_dim, "text_channels": text_channels, "text_dim": text_dim,
                       "max_words": max_words, "z_dim": z_dim, "proj_dim": proj_dim, "ngf": ngf, "resolution": resolution,
                       "img_channels": img_channels}
        self.z_dim, self.resolution, self.img_channels = z_dim, resolution, img_channels
        self.text = TextEncoder(vocabulary=vocabulary, word_dim=word_dim, channels=text_channels, text_dim=text_dim, max_words=max_words)
        self.image = ImageGenerator(text_dim=text_dim, z_dim=z_dim, proj_dim=proj_dim, ngf=ngf, resolution=resolution,
                                    img_channels=img_channels)

    @property
    def vocabulary(self) -> list[str]:
        return self.text.vocabulary

    @property
    def max_words(self) -> int:
        return self.text.max_words

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.text(tokens)

    def synthesize(self, z: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        return self.image(z, embedding)

    def forward(self, z: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self.image(z, self.text(tokens))


class MatchingDiscriminator(nn.Module):
    """(image, sentence embedding) -> one logit per pair: real and matching, or not."""

    def __init__(self, *, text_dim: int = 128, proj_dim: int = 128, ndf: int = 64, resolution: int = 64, img_channels: int = 3) -> None:
        super().__init__()
        self.config = {"text_dim": text_dim, "proj_dim": proj_dim, "ndf": ndf, "resolution": resolution, "img_channels": img_channels}
        n = _levels(resolution)
        chans = [ndf * min(8, 2 ** i) for i in range(n)]
        layers: list[nn.Module] = [nn.Conv2d(img_channels, chans[0], 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for cin, cout in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, True)]
        self.body = nn.Sequential(*layers)
        self.project = nn.Sequential(nn.Linear(text_dim, proj_dim), nn.LeakyReLU(0.2))
        self.joint = nn.Sequential(nn.Conv2d(chans[-1] + proj_dim, chans[-1], 1, bias=False), nn.BatchNorm2d(chans[-1]),
                                   nn.LeakyReLU(0.2, True), nn.Conv2d(chans[-1], 1, 4))

    def forward(self, image: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        x = self.body(image)
        t = self.project(embedding)[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
        return self.joint(torch.cat([x, t], 1)).flatten()


class ImageEmbedder(nn.Module):
    """Image -> unit-length embedding in the text encoder's space: the image side of the joint embedding
    the text encoder is trained with (trainer only; not part of the generator's file)."""

    def __init__(self, *, text_dim: int = 128, width: int = 32, resolution: int = 64, img_channels: int = 3) -> None:
        super().__init__()
        self.config = {"text_dim": text_dim, "width": width, "resolution": resolution, "img_channels": img_channels}
        layers: list[nn.Module] = []
        cin = img_channels
        for i in range(min(_levels(resolution), 4)):
            cout = width * 2 ** min(i, 3)
            layers += [nn.Conv2d(cin, cout, 3, 2, 1), nn.GroupNorm(min(8, cout), cout), nn.LeakyReLU(0.2, True)]
            cin = cout
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.out = nn.Linear(cin, text_dim)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.out(self.body(image)), dim=1)
