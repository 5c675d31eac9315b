"""SPADE (Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization", 2019).

Parameter names, shapes and forward math follow NVlabs/SPADE so its
``latest_net_G.pth`` / ``latest_net_E.pth`` / ``latest_net_D.pth`` load with
strict=True. Modules: the SPADE norm, SPADEResnetBlock, SPADEGenerator, the VAE
style encoder ConvEncoder, and the multi-scale PatchGAN MultiscaleDiscriminator.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import conv2d, param_free_norm

SPADE_HIDDEN = 128  # width of the shared SPADE embedding (fixed in the reference; smaller for cheap CPU models)
UPSAMPLING_MODES = {"normal": 5, "more": 6, "most": 7}  # number of 2x upsamplings
ENCODER_INPUT = 256  # the VAE encoder sees images resized to this square


def latent_size(crop_size: int, aspect_ratio: float, num_upsampling_layers: str) -> tuple[int, int]:
    """(height, width) of the generator's first feature map."""
    try:
        ups = UPSAMPLING_MODES[num_upsampling_layers]
    except KeyError:
        raise ValueError(f"num_upsampling_layers must be one of {sorted(UPSAMPLING_MODES)}, not {num_upsampling_layers!r}") from None
    sw = crop_size // 2**ups
    sh = round(sw / aspect_ratio)
    if sw < 1 or sh < 1:
        raise ValueError(f"crop_size {crop_size} with aspect ratio {aspect_ratio} is too small for {num_upsampling_layers!r} upsampling")
    return sh, sw


def semantic_channels(label_nc: int, contain_dontcare_label: bool, no_instance: bool) -> int:
    """Channels of the generator input: one per class, dontcare, instance edges."""
    return label_nc + (1 if contain_dontcare_label else 0) + (0 if no_instance else 1)


def instance_edges(instance_map: torch.Tensor) -> torch.Tensor:
    """1 where a pixel differs from a 4-neighbour (both sides of a boundary), as float [B,1,H,W].

    `instance_map` is [B,H,W] or [B,1,H,W] of instance (or class) ids.
    """
    t = instance_map if instance_map.dim() == 4 else instance_map.unsqueeze(1)
    edge = torch.zeros_like(t, dtype=torch.bool)
    dx = t[..., :, 1:] != t[..., :, :-1]
    dy = t[..., 1:, :] != t[..., :-1, :]
    edge[..., :, 1:] |= dx
    edge[..., :, :-1] |= dx
    edge[..., 1:, :] |= dy
    edge[..., :-1, :] |= dy
    return edge.float()


def one_hot_semantics(
    label_map: torch.Tensor,
    label_nc: int,
    contain_dontcare_label: bool,
    no_instance: bool,
    instance_map: torch.Tensor | None = None,
) -> torch.Tensor:
    """Turn class ids [B,H,W] into the semantic input [B, semantic_nc, H, W].

    With a dontcare channel, ids >= label_nc (e.g. 255, "unknown") go to it, as
    the reference data loaders do. Without an instance map the label map itself
    gives the edge channel (boundaries between classes).
    """
    if label_map.dim() == 4 and label_map.shape[1] == 1:
        label_map = label_map[:, 0]
    if label_map.dim() != 3:
        raise ValueError(f"label_map must be [B,H,W], got {tuple(label_map.shape)}")
    ids = label_map.long()
    n_classes = label_nc + (1 if contain_dontcare_label else 0)
    if contain_dontcare_label:
        ids = torch.where(ids >= label_nc, torch.full_like(ids, label_nc), ids)
    if bool((ids < 0).any()) or bool((ids >= n_classes).any()):
        raise ValueError(f"label ids must lie in [0, {n_classes - 1}], got {int(ids.min())}..{int(ids.max())}")
    semantics = F.one_hot(ids, n_classes).permute(0, 3, 1, 2).float()
    if not no_instance:
        edges = instance_edges(instance_map if instance_map is not None else label_map)
        semantics = torch.cat([semantics, edges.to(semantics.device)], dim=1)
    return semantics


class SPADE(nn.Module):
    """Spatially-adaptive normalisation: param-free norm, then a per-pixel scale and shift from the segmap."""

    def __init__(
        self, *, norm_nc: int, label_nc: int, param_free_norm_type: str = "syncbatch", kernel_size: int = 3, hidden: int = SPADE_HIDDEN
    ) -> None:
        super().__init__()
        self.param_free_norm = param_free_norm(param_free_norm_type, norm_nc)
        pad = kernel_size // 2
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, hidden, kernel_size, padding=pad), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, norm_nc, kernel_size, padding=pad)
        self.mlp_beta = nn.Conv2d(hidden, norm_nc, kernel_size, padding=pad)

    def modulation(self, segmap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(gamma, beta) from a segmap already at the feature resolution."""
        hidden = self.mlp_shared(segmap)
        return self.mlp_gamma(hidden), self.mlp_beta(hidden)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        normalized = self.param_free_norm(x)
        segmap = F.interpolate(segmap, size=x.shape[2:], mode="nearest")
        gamma, beta = self.modulation(segmap)
        return normalized * (1 + gamma) + beta


class SPADEResnetBlock(nn.Module):
    """Pre-activation residual block with SPADE norms; 1x1 learned shortcut when widths differ."""

    def __init__(
        self,
        *,
        fin: int,
        fout: int,
        semantic_nc: int,
        spectral_norm: bool = True,
        param_free_norm_type: str = "syncbatch",
        spade_kernel_size: int = 3,
        spade_hidden: int = SPADE_HIDDEN,
    ) -> None:
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        norm = dict(label_nc=semantic_nc, param_free_norm_type=param_free_norm_type, kernel_size=spade_kernel_size, hidden=spade_hidden)
        self.conv_0 = conv2d(fin, fmiddle, 3, padding=1, spectral=spectral_norm)
        self.conv_1 = conv2d(fmiddle, fout, 3, padding=1, spectral=spectral_norm)
        if self.learned_shortcut:
            self.conv_s = conv2d(fin, fout, 1, bias=False, spectral=spectral_norm)
        self.norm_0 = SPADE(norm_nc=fin, **norm)
        self.norm_1 = SPADE(norm_nc=fmiddle, **norm)
        if self.learned_shortcut:
            self.norm_s = SPADE(norm_nc=fin, **norm)

    def forward(self, x: torch.Tensor, seg: torch.Tensor) -> torch.Tensor:
        x_s = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return x_s + dx


class SPADEGenerator(nn.Module):
    """Label map (one-hot) -> image in [-1, 1].

    Without the VAE the first features come from the segmap resized to the
    latent size; with it, from a Linear on z. The output is
    (sh, sw) * 2**n pixels for n = 5/6/7 upsamplings ('normal'/'more'/'most').
    """

    def __init__(
        self,
        *,
        label_nc: int,
        contain_dontcare_label: bool = False,
        no_instance: bool = True,
        ngf: int = 64,
        crop_size: int = 256,
        aspect_ratio: float = 1.0,
        num_upsampling_layers: str = "normal",
        use_vae: bool = False,
        z_dim: int = 256,
        spectral_norm: bool = True,
        param_free_norm_type: str = "syncbatch",
        spade_kernel_size: int = 3,
        spade_hidden: int = SPADE_HIDDEN,
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(
            label_nc=label_nc,
            contain_dontcare_label=contain_dontcare_label,
            no_instance=no_instance,
            ngf=ngf,
            crop_size=crop_size,
            aspect_ratio=aspect_ratio,
            num_upsampling_layers=num_upsampling_layers,
            use_vae=use_vae,
            z_dim=z_dim,
            spectral_norm=spectral_norm,
            param_free_norm_type=param_free_norm_type,
            spade_kernel_size=spade_kernel_size,
            spade_hidden=spade_hidden,
        )
        self.semantic_nc = semantic_channels(label_nc, contain_dontcare_label, no_instance)
        self.ngf = ngf
        self.z_dim = z_dim
        self.use_vae = use_vae
        self.num_upsampling_layers = num_upsampling_layers
        self.sh, self.sw = latent_size(crop_size, aspect_ratio, num_upsampling_layers)
        nf = ngf
        if use_vae:
            self.fc = nn.Linear(z_dim, 16 * nf * self.sw * self.sh)
        else:
            self.fc = nn.Conv2d(self.semantic_nc, 16 * nf, 3, padding=1)

        def block(fin: int, fout: int) -> SPADEResnetBlock:
            return SPADEResnetBlock(
                fin=fin,
                fout=fout,
                semantic_nc=self.semantic_nc,
                spectral_norm=spectral_norm,
                param_free_norm_type=param_free_norm_type,
                spade_kernel_size=spade_kernel_size,
                spade_hidden=spade_hidden,
            )

        self.head_0 = block(16 * nf, 16 * nf)
        self.G_middle_0 = block(16 * nf, 16 * nf)
        self.G_middle_1 = block(16 * nf, 16 * nf)
        self.up_0 = block(16 * nf, 8 * nf)
        self.up_1 = block(8 * nf, 4 * nf)
        self.up_2 = block(4 * nf, 2 * nf)
        self.up_3 = block(2 * nf, nf)
        final_nc = nf
        if num_upsampling_layers == "most":
            self.up_4 = block(nf, nf // 2)
            final_nc = nf // 2
        self.conv_img = nn.Conv2d(final_nc, 3, 3, padding=1)

    @property
    def output_size(self) -> tuple[int, int]:
        """(height, width) of the images this generator makes."""
        scale = 2 ** UPSAMPLING_MODES[self.num_upsampling_layers]
        return self.sh * scale, self.sw * scale

    @staticmethod
    def _up(x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2, mode="nearest")

    def forward(self, input: torch.Tensor, z: torch.Tensor | None = None, *, latent_hw: tuple[int, int] | None = None) -> torch.Tensor:
        """`input` is the one-hot semantic map [B, semantic_nc, H, W].

        `latent_hw` (no VAE only) overrides the first feature size, to render at
        another size or aspect than the training crop; the output is 2**n times it.
        """
        seg = input
        if self.use_vae:
            if z is None:
                z = torch.randn(input.shape[0], self.z_dim, dtype=torch.float32, device=input.device)
            x = self.fc(z.to(self.fc.weight.dtype)).view(-1, 16 * self.ngf, self.sh, self.sw)
        else:
            x = self.fc(F.interpolate(seg, size=latent_hw or (self.sh, self.sw), mode="nearest"))

        x = self.head_0(x, seg)
        x = self.G_middle_0(self._up(x), seg)
        if self.num_upsampling_layers in ("more", "most"):
            x = self._up(x)
        x = self.G_middle_1(x, seg)
        x = self.up_0(self._up(x), seg)
        x = self.up_1(self._up(x), seg)
        x = self.up_2(self._up(x), seg)
        x = self.up_3(self._up(x), seg)
        if self.num_upsampling_layers == "most":
            x = self.up_4(self._up(x), seg)
        x = self.conv_img(F.leaky_relu(x, 0.2))
        return torch.tanh(x)

    def semantic_input(self, label_map: torch.Tensor, instance_map: torch.Tensor | None = None) -> torch.Tensor:
        """Class ids [B,H,W] -> the one-hot input this generator expects (dontcare / edge channels as configured)."""
        cfg = self.config
        return one_hot_semantics(label_map, cfg["label_nc"], cfg["contain_dontcare_label"], cfg["no_instance"], instance_map)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Sample z ~ N(mu, exp(logvar)); pass a seeded generator for a repeatable sample."""
        std = torch.exp(0.5 * logvar)
        eps = torch.randn(std.shape, generator=generator, device=generator.device if generator is not None else std.device)
        return eps.to(std.device, std.dtype) * std + mu

    def random_z(self, batch: int = 1, seed: int | None = None, device: str | torch.device = "cpu") -> torch.Tensor:
        """A standard-normal z [batch, z_dim]; the same seed gives the same z on every device."""
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        return torch.randn(batch, self.z_dim, generator=generator).to(device)


class ConvEncoder(nn.Module):
    """The VAE style encoder: image -> (mu, logvar) of z.

    Six stride-2 convs take a 256x256 input to 4x4. The reference builds the
    sixth layer only for crop_size >= 256 yet always resizes to 256, which
    cannot work below 256; here a model without `layer6` resizes to 128 instead,
    so small-crop VAE models train (the keys are unchanged).
    """

    def __init__(
        self,
        *,
        ngf: int = 64,
        crop_size: int = 256,
        z_dim: int = 256,
        spectral_norm: bool = True,
        norm: str = "instance",
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(ngf=ngf, crop_size=crop_size, z_dim=z_dim, spectral_norm=spectral_norm, norm=norm)
        if norm not in ("instance", "batch", "syncbatch", "none"):
            raise ValueError(f"unknown encoder norm {norm!r}")
        ndf = ngf
        widths = [3, ndf, ndf * 2, ndf * 4, ndf * 8, ndf * 8]
        self.has_layer6 = crop_size >= 256
        if self.has_layer6:
            widths.append(ndf * 8)
        self.input_size = ENCODER_INPUT if self.has_layer6 else ENCODER_INPUT // 2
        for i in range(1, len(widths)):
            self.add_module(f"layer{i}", self._layer(widths[i - 1], widths[i], spectral_norm, norm))
        self.fc_mu = nn.Linear(ndf * 8 * 4 * 4, z_dim)
        self.fc_var = nn.Linear(ndf * 8 * 4 * 4, z_dim)

    @staticmethod
    def _layer(fin: int, fout: int, spectral: bool, norm: str) -> nn.Module:
        if norm == "none":
            return conv2d(fin, fout, 3, stride=2, padding=1, spectral=spectral)
        # the conv bias is dropped: the norm after it would cancel it
        conv = conv2d(fin, fout, 3, stride=2, padding=1, bias=False, spectral=spectral)
        if norm == "instance":
            return nn.Sequential(conv, nn.InstanceNorm2d(fout, affine=False))
        return nn.Sequential(conv, nn.BatchNorm2d(fout, affine=True))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.shape[2] != self.input_size or x.shape[3] != self.input_size:
            x = F.interpolate(x, size=(self.input_size, self.input_size), mode="bilinear", align_corners=False)
        x = self.layer1(x)
        for name in ("layer2", "layer3", "layer4", "layer5") + (("layer6",) if self.has_layer6 else ()):
            x = getattr(self, name)(F.leaky_relu(x, 0.2))
        x = F.leaky_relu(x, 0.2).flatten(1)
        return self.fc_mu(x), self.fc_var(x)

    def encode(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) of the style of `image` ([B,3,H,W] in [-1, 1])."""
        return self.forward(image)


class NLayerDiscriminator(nn.Module):
    """One PatchGAN of the multi-scale discriminator; returns every layer's output."""

    def __init__(self, *, input_nc: int, ndf: int, n_layers: int, spectral_norm: bool, norm: str) -> None:
        super().__init__()
        kw, pad = 4, math.ceil((4 - 1) / 2)
        layers: list[list[nn.Module]] = [[nn.Conv2d(input_nc, ndf, kw, stride=2, padding=pad), nn.LeakyReLU(0.2)]]
        nf = ndf
        for n in range(1, n_layers):
            nf_prev, nf = nf, min(nf * 2, 512)
            stride = 1 if n == n_layers - 1 else 2
            layers.append([self._normed_conv(nf_prev, nf, kw, stride, pad, spectral_norm, norm), nn.LeakyReLU(0.2)])
        layers.append([nn.Conv2d(nf, 1, kw, stride=1, padding=pad)])
        for n, group in enumerate(layers):
            self.add_module(f"model{n}", nn.Sequential(*group))

    @staticmethod
    def _normed_conv(fin: int, fout: int, kw: int, stride: int, pad: int, spectral: bool, norm: str) -> nn.Module:
        if norm == "none":
            return conv2d(fin, fout, kw, stride=stride, padding=pad, spectral=spectral)
        conv = conv2d(fin, fout, kw, stride=stride, padding=pad, bias=False, spectral=spectral)
        if norm == "instance":
            return nn.Sequential(conv, nn.InstanceNorm2d(fout, affine=False))
        if norm in ("batch", "syncbatch"):
            return nn.Sequential(conv, nn.BatchNorm2d(fout, affine=True))
        raise ValueError(f"unknown discriminator norm {norm!r}")

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for layer in self.children():
            x = layer(x)
            features.append(x)
        return features


class MultiscaleDiscriminator(nn.Module):
    """SPADE's discriminator: `num_D` PatchGANs on the input at successively halved scales.

    Input is cat([semantics, image]). Output: one list per scale; with
    `intermediate_features` each list holds every layer's output (the last is
    the prediction) for the feature-matching loss, otherwise just the prediction.
    """

    def __init__(
        self,
        *,
        semantic_nc: int,
        output_nc: int = 3,
        ndf: int = 64,
        n_layers_D: int = 4,
        num_D: int = 2,
        spectral_norm: bool = True,
        norm: str = "instance",
        intermediate_features: bool = True,
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(
            semantic_nc=semantic_nc,
            output_nc=output_nc,
            ndf=ndf,
            n_layers_D=n_layers_D,
            num_D=num_D,
            spectral_norm=spectral_norm,
            norm=norm,
            intermediate_features=intermediate_features,
        )
        self.intermediate_features = intermediate_features
        for i in range(num_D):
            self.add_module(
                f"discriminator_{i}",
                NLayerDiscriminator(input_nc=semantic_nc + output_nc, ndf=ndf, n_layers=n_layers_D, spectral_norm=spectral_norm, norm=norm),
            )

    @staticmethod
    def downsample(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)

    def forward(self, input: torch.Tensor) -> list[list[torch.Tensor]]:
        results = []
        x = input
        for discriminator in self.children():
            features = discriminator(x)
            results.append(features if self.intermediate_features else [features[-1]])
            x = self.downsample(x)
        return results
