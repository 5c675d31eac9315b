"""A GigaGAN-style text-conditioned StyleGAN2 (Kang et al. 2023), sized for 64 px on a CPU.

Built from our StyleGAN2 modules (stylegan2.py: mapping network, modulated convolution
arithmetic, toRGB, discriminator blocks) with GigaGAN's two generator changes:

- sample-adaptive kernel selection: each synthesis conv holds a bank of `num_kernels`
  kernels; a softmax over an affine map of w picks a per-sample blend of them, which is
  then modulated and demodulated as StyleGAN2 does;
- text cross-attention: after the convolutions of every block up to `attn_max_res`, the
  pixels attend to the caption's word features (from our text encoder), added back
  through a learned gain that starts at zero.

The global sentence embedding is StyleGAN2's class input of the mapping network, so w
depends on the text as well. The discriminator is multi-scale and text-conditioned: one
StyleGAN2 discriminator per image scale (full and half size), each projecting the
sentence embedding onto its features (StyleGAN2's cmap projection); their logits are
averaged. No weights were ever published, so these networks are native-only.

A sentence's conditioning is one flat tensor (see `pack`): the sentence embedding, the
word features and their mask side by side, so that two sentences can be blended linearly
(the Describe workspace's interpolation) and a batch expanded like any embedding.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .stylegan2 import (DEFAULT_RESAMPLE_FILTER, Discriminator, FullyConnectedLayer, MappingNetwork, ToRGBLayer, bias_act,
                        conv2d_resample, setup_filter, upsample2d)
from .text_encoder import TextEncoder


def adaptive_modulated_conv2d(x: torch.Tensor, weights: torch.Tensor, styles: torch.Tensor, up: int = 1, padding: int = 0,
                              resample_filter: torch.Tensor | None = None) -> torch.Tensor:
    """StyleGAN2's modulated, demodulated conv with a weight of its own per sample: weights [N, out, in, k, k]."""
    batch, out_channels, in_channels, kh, kw = weights.shape
    w = weights * styles.reshape(batch, 1, in_channels, 1, 1)
    w = w * (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt().reshape(batch, -1, 1, 1, 1)
    x = x.reshape(1, batch * in_channels, *x.shape[2:])
    x = conv2d_resample(x, w.reshape(batch * out_channels, in_channels, kh, kw), resample_filter, up=up, padding=padding, groups=batch)
    return x.reshape(batch, out_channels, *x.shape[2:])


class AdaptiveSynthesisLayer(nn.Module):
    """A StyleGAN2 synthesis layer whose kernel is a per-sample softmax blend of a bank (sample-adaptive kernel selection)."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, num_kernels: int, up: int = 1,
                 kernel_size: int = 3, resample_filter: Sequence[float] = DEFAULT_RESAMPLE_FILTER) -> None:
        super().__init__()
        self.resolution, self.up, self.padding = resolution, up, kernel_size // 2
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.select = FullyConnectedLayer(w_dim, num_kernels, bias_init=0)
        self.weight = nn.Parameter(torch.randn([num_kernels, out_channels, in_channels, kernel_size, kernel_size]))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))
        self.act_gain = math.sqrt(2)

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        pick = torch.softmax(self.select(w), dim=1)  # [N, K]
        weights = torch.einsum("nk,koihw->noihw", pick, self.weight)
        x = adaptive_modulated_conv2d(x, weights, self.affine(w), up=self.up, padding=self.padding, resample_filter=self.resample_filter)
        if noise is not None:
            x = x + noise * self.noise_strength
        return bias_act(x, self.bias, "lrelu", gain=self.act_gain)


class CrossAttention(nn.Module):
    """Pixels attend to the caption's words; the result is added through a gain that starts at zero."""

    def __init__(self, channels: int, word_channels: int, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads if channels % heads == 0 else 1
        self.norm = nn.GroupNorm(1, channels)
        self.q = nn.Linear(channels, channels)
        self.kv = nn.Linear(word_channels, 2 * channels)
        self.out = nn.Linear(channels, channels)
        self.gain = nn.Parameter(torch.zeros([]))

    def forward(self, x: torch.Tensor, words: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        q = self.q(self.norm(x).flatten(2).transpose(1, 2))  # [N, HW, C]
        k, v = self.kv(words).chunk(2, dim=2)  # [N, L, C]
        split = lambda t: t.reshape(n, t.shape[1], self.heads, c // self.heads).transpose(1, 2)  # noqa: E731
        valid = (mask > 0).reshape(n, 1, 1, -1)
        # a sentence with no known word attends to nothing: its term is zero
        scores = (split(q) @ split(k).transpose(2, 3)) / math.sqrt(c // self.heads)
        attn = torch.softmax(scores.masked_fill(~valid, -1e4), dim=3) * valid
        y = (attn @ split(v)).transpose(1, 2).reshape(n, h * w, c)
        return x + self.gain * self.out(y).transpose(1, 2).reshape(n, c, h, w)


class TextSynthesisBlock(nn.Module):
    """One resolution: [const | up-conv0] -> conv1 -> [cross-attention] -> toRGB added to the upsampled image (skip)."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, img_channels: int, num_kernels: int,
                 word_channels: int, attention: bool) -> None:
        super().__init__()
        self.in_channels, self.resolution = in_channels, resolution
        self.register_buffer("resample_filter", setup_filter(DEFAULT_RESAMPLE_FILTER))
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn([out_channels, resolution, resolution]))
        else:
            self.conv0 = AdaptiveSynthesisLayer(in_channels, out_channels, w_dim, resolution, num_kernels, up=2)
        self.conv1 = AdaptiveSynthesisLayer(out_channels, out_channels, w_dim, resolution, num_kernels)
        self.attention = CrossAttention(out_channels, word_channels) if attention else None
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim=w_dim)

    def forward(self, x: torch.Tensor | None, img: torch.Tensor | None, w: torch.Tensor, words: torch.Tensor, mask: torch.Tensor,
                noise: Sequence[torch.Tensor | None]) -> tuple[torch.Tensor, torch.Tensor]:
        if self.in_channels == 0:
            x = self.const.unsqueeze(0).expand(w.shape[0], -1, -1, -1)
        else:
            x = self.conv0(x, w, noise[0])
        x = self.conv1(x, w, noise[1])
        if self.attention is not None:
            x = self.attention(x, words, mask)
        y = self.torgb(x, w)
        img = y if img is None else upsample2d(img, self.resample_filter) + y
        return x, img


class TextStyleSynthesis(nn.Module):
    """(z, packed sentence conditioning) -> image: the mapping network (sentence embedding as its class input) and the blocks."""

    def __init__(self, *, text_dim: int, word_channels: int, max_words: int, z_dim: int, w_dim: int, map_layers: int, resolution: int,
                 channel_base: int, channel_max: int, num_kernels: int, attn_max_res: int, img_channels: int) -> None:
        super().__init__()
        self.text_dim, self.word_channels, self.max_words = text_dim, word_channels, max_words
        self.z_dim, self.resolution = z_dim, resolution
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=text_dim, w_dim=w_dim, num_ws=None, num_layers=map_layers, w_avg_beta=None)
        self.block_resolutions = [2 ** i for i in range(2, int(math.log2(resolution)) + 1)]
        channels = {r: min(channel_base // r, channel_max) for r in self.block_resolutions}
        for r in self.block_resolutions:
            block = TextSynthesisBlock(channels[r // 2] if r > 4 else 0, channels[r], w_dim, r, img_channels, num_kernels, word_channels,
                                       attention=r <= attn_max_res)
            setattr(self, f"b{r}", block)

    def unpack(self, packed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n, L, c = packed.shape[0], self.max_words, self.word_channels
        sentence = packed[:, : self.text_dim]
        words = packed[:, self.text_dim: self.text_dim + L * c].reshape(n, L, c)
        mask = packed[:, self.text_dim + L * c:]
        return sentence, words, mask

    def forward(self, z: torch.Tensor, packed: torch.Tensor, noise_mode: str = "random") -> torch.Tensor:
        sentence, words, mask = self.unpack(packed)
        w = self.mapping(z, sentence)
        x = img = None
        for r in self.block_resolutions:
            block = getattr(self, f"b{r}")
            if noise_mode == "random":
                noise = [torch.randn(z.shape[0], 1, r, r, device=z.device) for _ in range(2)]
            else:  # "none": deterministic pictures (evaluation, the Describe workspace)
                noise = [None, None]
            x, img = block(x, img, w, words, mask, noise)
        return img


class TextStyleGenerator(nn.Module):
    """Sentence token ids + z -> image: the file's main network (our text encoder + the GigaGAN-style synthesis).

    forward(z, tokens); `embed(tokens)` gives the packed conditioning and `synthesize(z, packed)` the
    picture, so that conditioning can be blended between sentences. The Describe workspace and the
    evaluation draw with noise_mode "none" (no per-pixel noise), so a seed always gives the same picture.
    """

    def __init__(self, *, vocabulary: Sequence[str], word_dim: int = 64, text_channels: int = 128, text_dim: int = 128,
                 max_words: int = 48, z_dim: int = 128, w_dim: int = 128, map_layers: int = 2, resolution: int = 64,
                 channel_base: int = 2048, channel_max: int = 96, num_kernels: int = 4, attn_max_res: int = 16,
                 img_channels: int = 3) -> None:
        super().__init__()
        self.config = {"vocabulary": list(vocabulary), "word_dim": word_dim, "text_channels": text_channels, "text_dim": text_dim,
                       "max_words": max_words, "z_dim": z_dim, "w_dim": w_dim, "map_layers": map_layers, "resolution": resolution,
                       "channel_base": channel_base, "channel_max": channel_max, "num_kernels": num_kernels,
                       "attn_max_res": attn_max_res, "img_channels": img_channels}
        self.z_dim, self.resolution, self.img_channels = z_dim, resolution, img_channels
        self.text = TextEncoder(vocabulary=vocabulary, word_dim=word_dim, channels=text_channels, text_dim=text_dim, max_words=max_words)
        self.image = TextStyleSynthesis(text_dim=text_dim, word_channels=text_channels, max_words=max_words, z_dim=z_dim, w_dim=w_dim,
                                        map_layers=map_layers, resolution=resolution, channel_base=channel_base, channel_max=channel_max,
                                        num_kernels=num_kernels, attn_max_res=attn_max_res, img_channels=img_channels)

    @property
    def vocabulary(self) -> list[str]:
        return self.text.vocabulary

    @property
    def max_words(self) -> int:
        return self.text.max_words

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return pack(*self.text.features(tokens))

    def synthesize(self, z: torch.Tensor, packed: torch.Tensor) -> torch.Tensor:
        return self.image(z, packed, noise_mode="none")

    def forward(self, z: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self.synthesize(z, self.embed(tokens))


def pack(sentence: torch.Tensor, words: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """[N, text_dim + L * channels + L]: the conditioning of a batch of sentences as one flat tensor."""
    return torch.cat([sentence, words.flatten(1), mask], 1)


class MultiScaleTextDiscriminator(nn.Module):
    """StyleGAN2 discriminators at full and half size, each projecting the sentence embedding; logits averaged."""

    def __init__(self, *, text_dim: int = 128, resolution: int = 64, channel_base: int = 2048, channel_max: int = 96, scales: int = 2,
                 img_channels: int = 3) -> None:
        super().__init__()
        self.config = {"text_dim": text_dim, "resolution": resolution, "channel_base": channel_base, "channel_max": channel_max,
                       "scales": scales, "img_channels": img_channels}
        self.scales = nn.ModuleList(
            Discriminator(c_dim=text_dim, img_resolution=resolution // 2 ** i, img_channels=img_channels, channel_base=channel_base // 2 ** i,
                          channel_max=channel_max, mapping_kwargs={"num_layers": 1}, epilogue_kwargs={"mbstd_group_size": 2})
            for i in range(scales))

    def forward(self, image: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
        logits = []
        for i, d in enumerate(self.scales):
            x = image if i == 0 else F.avg_pool2d(image, 2 ** i)
            logits.append(d(x, sentence).flatten())
        return torch.stack(logits).mean(0)
