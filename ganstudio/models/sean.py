"""SEAN (Zhu et al., "SEAN: Image Synthesis with Semantic Region-Adaptive Normalization", 2020).

Parameter names, shapes and forward math follow ZPdesu/SEAN so its
``latest_net_G.pth`` loads with strict=True. Unlike the reference it runs on
any device, accepts any number of classes (the official model has 19 per-class
style layers ``fc_mu0..fc_mu18``), vectorises the per-region loops, and exposes
the style codes so they can be computed once and then mixed or swapped.

The vectorised style convolution (`conv_of_region_map`) sums in another order
than the reference's masked scatter; with untrained weights and fresh batch
norm statistics the activations reach 1e25 before the final tanh, so every
output pixel saturates and one rounding can flip a pixel from -1 to 1 (the
relative L2 of 4.5e-3 once seen at 256 px, ngf 64). With the statistics a
forward pass gives (benchmarks/bench_models.py calibrates them) the outputs
agree to 9e-6 at that size, as the small fixtures do.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import conv2d, param_free_norm
from .spade import SPADE, SPADE_HIDDEN, UPSAMPLING_MODES, latent_size, one_hot_semantics, semantic_channels

STYLE_DIM = 512  # style code width, fixed by the reference architecture
ZENCODER_NGF = 32


class Zencoder(nn.Module):
    """Style encoder: image -> per-pixel codes at half resolution -> per-class masked means."""

    def __init__(self, input_nc: int = 3, style_dim: int = STYLE_DIM, ngf: int = ZENCODER_NGF) -> None:
        super().__init__()
        # Indices of `model` are part of the checkpoint keys: pads, norms and
        # activations occupy slots too. The InstanceNorms have no parameters.
        self.model = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(input_nc, ngf, 3),
            nn.InstanceNorm2d(ngf),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ngf, ngf * 2, 3, stride=2, padding=1),
            nn.InstanceNorm2d(ngf * 2),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ngf * 2, ngf * 4, 3, stride=2, padding=1),
            nn.InstanceNorm2d(ngf * 4),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(ngf * 4, ngf * 8, 3, stride=2, padding=1, output_padding=1),
            nn.InstanceNorm2d(ngf * 8),
            nn.LeakyReLU(0.2),
            nn.ReflectionPad2d(1),
            nn.Conv2d(ngf * 8, style_dim, 3),
            nn.Tanh(),
        )

    def forward(self, input: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        """[B, n_classes, style_dim]: the mean code over each class's pixels, zero where a class is absent."""
        codes = self.model(input)
        mask = (F.interpolate(segmap, size=codes.shape[2:], mode="nearest") != 0).to(codes.dtype)
        sums = torch.einsum("bshw,bchw->bsc", mask, codes)
        area = mask.sum(dim=(2, 3)).unsqueeze(-1)
        return torch.where(area > 0, sums / area.clamp(min=1), torch.zeros_like(sums))


def winner_masks(segmap: torch.Tensor) -> torch.Tensor:
    """One 0/1 mask per class where each pixel belongs to at most one class: [B,S,H,W].

    Where classes overlap the highest channel wins and pixels of no class stay
    empty, as the reference's sequential masked scatter leaves them.
    """
    s = segmap.shape[1]
    present = segmap != 0
    rank = present * torch.arange(1, s + 1, device=segmap.device).view(1, s, 1, 1)
    winner = F.one_hot(rank.argmax(dim=1), s).permute(0, 3, 1, 2)
    return (winner * present.any(dim=1, keepdim=True)).to(segmap.dtype)


def region_map(style_per_class: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
    """Paint each class's vector over its pixels: [B,S,C] + [B,S,H,W] -> [B,C,H,W]."""
    return torch.einsum("bshw,bsc->bchw", winner_masks(segmap).to(style_per_class.dtype), style_per_class)


def conv_of_region_map(weight: torch.Tensor, bias: torch.Tensor, style_per_class: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
    """conv2d(region_map(styles, segmap), weight, bias, padding=k//2) without building the map.

    The map is piecewise constant, so by linearity the convolution equals one
    over the S class masks with per-class kernels W . style_j: S input channels
    instead of the style width (19 vs 512 for the official model).
    """
    b, s, _ = style_per_class.shape
    out_c, _, kh, kw = weight.shape
    kernels = torch.einsum("odhw,bsd->boshw", weight, style_per_class).reshape(b * out_c, s, kh, kw)
    masks = winner_masks(segmap).to(weight.dtype)
    h, w = masks.shape[2:]
    out = F.conv2d(masks.reshape(1, b * s, h, w), kernels, padding=(kh // 2, kw // 2), groups=b)
    return out.view(b, out_c, h, w) + bias.view(1, -1, 1, 1)


class ACE(nn.Module):
    """Semantic region-adaptive normalisation.

    A BatchNorm-style param-free norm of (x + per-pixel noise), modulated by a
    sigmoid-weighted blend of style-derived (gamma, beta) and SPADE's. Without
    `use_styles` (the last block of the reference) only SPADE modulates.
    """

    def __init__(
        self,
        *,
        norm_nc: int,
        semantic_nc: int,
        num_style_classes: int,
        use_styles: bool = True,
        spade_norm_type: str = "syncbatch",
        spade_kernel_size: int = 3,
        spade_hidden: int = SPADE_HIDDEN,
        style_dim: int = STYLE_DIM,
    ) -> None:
        super().__init__()
        self.use_styles = use_styles
        self.num_style_classes = num_style_classes
        self.Spade = SPADE(
            norm_nc=norm_nc, label_nc=semantic_nc, param_free_norm_type=spade_norm_type, kernel_size=spade_kernel_size, hidden=spade_hidden
        )
        self.blending_gamma = nn.Parameter(torch.zeros(1))
        self.blending_beta = nn.Parameter(torch.zeros(1))
        self.noise_var = nn.Parameter(torch.zeros(norm_nc))
        # the reference fixes this norm to (sync) batch norm whatever the options say
        self.param_free_norm = param_free_norm("batch", norm_nc)
        if use_styles:
            for j in range(num_style_classes):
                self.add_module(f"fc_mu{j}", nn.Linear(style_dim, style_dim))
            self.conv_gamma = nn.Conv2d(style_dim, norm_nc, 3, padding=1)
            self.conv_beta = nn.Conv2d(style_dim, norm_nc, 3, padding=1)

    def style_vectors(self, style_codes: torch.Tensor) -> torch.Tensor:
        """relu(fc_mu_j(code_j)) for every class j: [B,S,D] -> [B,S,D]."""
        s = style_codes.shape[1]
        if s > self.num_style_classes:
            raise ValueError(f"{s} semantic channels but only {self.num_style_classes} per-class style layers")
        return torch.stack([F.relu(getattr(self, f"fc_mu{j}")(style_codes[:, j])) for j in range(s)], dim=1)

    def forward(
        self,
        x: torch.Tensor,
        segmap: torch.Tensor,
        style_codes: torch.Tensor | None = None,
        *,
        noise: bool = True,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        if noise:
            # one N(0,1) value per pixel, drawn as [B,W,H,1] like the reference so
            # that a seeded run reproduces it; drawn on the CPU (or the generator's
            # device) so a seed means the same noise on every device
            b, _, h, w = x.shape
            device = generator.device if generator is not None else torch.device("cpu")
            draw = torch.randn(b, w, h, 1, generator=generator, device=device).to(x.device, x.dtype)
            x = x + (draw * self.noise_var).transpose(1, 3)
        normalized = self.param_free_norm(x)
        segmap = F.interpolate(segmap, size=x.shape[2:], mode="nearest")
        gamma_spade, beta_spade = self.Spade.modulation(segmap)
        if not self.use_styles:
            return normalized * (1 + gamma_spade) + beta_spade
        if style_codes is None:
            raise ValueError("this ACE layer needs style codes")
        vectors = self.style_vectors(style_codes.to(x.dtype))
        # gamma and beta convolutions in one pass over the class masks
        weight = torch.cat([self.conv_gamma.weight, self.conv_beta.weight])
        bias = torch.cat([self.conv_gamma.bias, self.conv_beta.bias])
        gamma_style, beta_style = conv_of_region_map(weight, bias, vectors, segmap).chunk(2, dim=1)
        gamma_alpha = torch.sigmoid(self.blending_gamma)
        beta_alpha = torch.sigmoid(self.blending_beta)
        gamma = gamma_alpha * gamma_style + (1 - gamma_alpha) * gamma_spade
        beta = beta_alpha * beta_style + (1 - beta_alpha) * beta_spade
        return normalized * (1 + gamma) + beta


class SEANResnetBlock(nn.Module):
    """SPADE's residual block with ACE norms (`ace_0`, `ace_1`, `ace_s`)."""

    def __init__(self, *, fin: int, fout: int, spectral_norm: bool = True, use_styles: bool = True, **ace: Any) -> None:
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.conv_0 = conv2d(fin, fmiddle, 3, padding=1, spectral=spectral_norm)
        self.conv_1 = conv2d(fmiddle, fout, 3, padding=1, spectral=spectral_norm)
        if self.learned_shortcut:
            self.conv_s = conv2d(fin, fout, 1, bias=False, spectral=spectral_norm)
        self.ace_0 = ACE(norm_nc=fin, use_styles=use_styles, **ace)
        self.ace_1 = ACE(norm_nc=fmiddle, use_styles=use_styles, **ace)
        if self.learned_shortcut:
            self.ace_s = ACE(norm_nc=fin, use_styles=use_styles, **ace)

    def forward(self, x: torch.Tensor, seg: torch.Tensor, style_codes: torch.Tensor, **noise: Any) -> torch.Tensor:
        # the shortcut runs first: the order of noise draws matches the reference
        x_s = self.conv_s(self.ace_s(x, seg, style_codes, **noise)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.ace_0(x, seg, style_codes, **noise), 0.2))
        dx = self.conv_1(F.leaky_relu(self.ace_1(dx, seg, style_codes, **noise), 0.2))
        return x_s + dx


class SEANGenerator(nn.Module):
    """Label map (one-hot) + per-class style codes -> image in [-1, 1].

    `forward(input, rgb_img, obj_dic=None)` is the reference call: styles are
    encoded from `rgb_img` (and, where `obj_dic` maps a class id string to
    {"ACE": code}, taken from it instead). `encode_styles` + `generate` split
    that so the app can edit the codes in between.
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
        spectral_norm: bool = True,
        param_free_norm_type: str = "syncbatch",
        spade_kernel_size: int = 3,
        spade_hidden: int = SPADE_HIDDEN,
        num_style_classes: int | None = None,
        style_dim: int = STYLE_DIM,
    ) -> None:
        super().__init__()
        semantic_nc = semantic_channels(label_nc, contain_dontcare_label, no_instance)
        if num_style_classes is None:
            num_style_classes = semantic_nc
        if num_style_classes < semantic_nc:
            raise ValueError(f"num_style_classes ({num_style_classes}) must cover all {semantic_nc} semantic channels")
        if num_upsampling_layers == "most":
            # the reference builds up_4 but never runs it, so such a model cannot work
            raise ValueError("SEAN supports num_upsampling_layers 'normal' and 'more' only")
        self.config: dict[str, Any] = dict(
            label_nc=label_nc,
            contain_dontcare_label=contain_dontcare_label,
            no_instance=no_instance,
            ngf=ngf,
            crop_size=crop_size,
            aspect_ratio=aspect_ratio,
            num_upsampling_layers=num_upsampling_layers,
            spectral_norm=spectral_norm,
            param_free_norm_type=param_free_norm_type,
            spade_kernel_size=spade_kernel_size,
            spade_hidden=spade_hidden,
            num_style_classes=num_style_classes,
            style_dim=style_dim,
        )
        self.semantic_nc = semantic_nc
        self.style_dim = style_dim
        self.num_upsampling_layers = num_upsampling_layers
        self.sh, self.sw = latent_size(crop_size, aspect_ratio, num_upsampling_layers)
        nf = ngf
        self.Zencoder = Zencoder(3, style_dim)
        self.fc = nn.Conv2d(semantic_nc, 16 * nf, 3, padding=1)

        def block(fin: int, fout: int, use_styles: bool = True) -> SEANResnetBlock:
            return SEANResnetBlock(
                fin=fin,
                fout=fout,
                spectral_norm=spectral_norm,
                use_styles=use_styles,
                semantic_nc=semantic_nc,
                num_style_classes=num_style_classes,
                spade_norm_type=param_free_norm_type,
                spade_kernel_size=spade_kernel_size,
                spade_hidden=spade_hidden,
                style_dim=style_dim,
            )

        self.head_0 = block(16 * nf, 16 * nf)
        self.G_middle_0 = block(16 * nf, 16 * nf)
        self.G_middle_1 = block(16 * nf, 16 * nf)
        self.up_0 = block(16 * nf, 8 * nf)
        self.up_1 = block(8 * nf, 4 * nf)
        self.up_2 = block(4 * nf, 2 * nf)
        self.up_3 = block(2 * nf, nf, use_styles=False)
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)

    @property
    def output_size(self) -> tuple[int, int]:
        scale = 2 ** UPSAMPLING_MODES[self.num_upsampling_layers]
        return self.sh * scale, self.sw * scale

    def encode_styles(self, rgb: torch.Tensor, seg_onehot: torch.Tensor) -> torch.Tensor:
        """Per-class style codes [B, n_channels, 512]: masked means of the encoder's features."""
        return self.Zencoder(rgb, seg_onehot)

    def generate(
        self,
        seg_onehot: torch.Tensor,
        style_codes: torch.Tensor,
        *,
        noise: bool = True,
        generator: torch.Generator | None = None,
        latent_hw: tuple[int, int] | None = None,
    ) -> torch.Tensor:
        """Synthesise from a one-hot map and per-class codes [B, n_channels, 512].

        `noise=False` drops the per-pixel noise (deterministic output); a seeded
        `generator` makes it repeatable. `latent_hw` overrides the first feature size.
        """
        seg = seg_onehot
        kw = dict(noise=noise, generator=generator)
        x = self.fc(F.interpolate(seg, size=latent_hw or (self.sh, self.sw), mode="nearest"))
        x = self.head_0(x, seg, style_codes, **kw)
        x = self.G_middle_0(F.interpolate(x, scale_factor=2, mode="nearest"), seg, style_codes, **kw)
        if self.num_upsampling_layers == "more":
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.G_middle_1(x, seg, style_codes, **kw)
        for name in ("up_0", "up_1", "up_2", "up_3"):
            x = getattr(self, name)(F.interpolate(x, scale_factor=2, mode="nearest"), seg, style_codes, **kw)
        x = self.conv_img(F.leaky_relu(x, 0.2))
        return torch.tanh(x)

    def forward(
        self,
        input: torch.Tensor,
        rgb_img: torch.Tensor,
        obj_dic: Mapping[str, Any] | None = None,
        *,
        noise: bool = True,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        codes = self.encode_styles(rgb_img, input)
        if isinstance(obj_dic, Mapping):
            codes = self.with_style_overrides(codes, obj_dic)
        return self.generate(input, codes, noise=noise, generator=generator)

    @staticmethod
    def with_style_overrides(codes: torch.Tensor, obj_dic: Mapping[str, Any]) -> torch.Tensor:
        """Replace class j's code (all batch items) by obj_dic[str(j)]["ACE"], the reference UI's format."""
        codes = codes.clone()
        for key, entry in obj_dic.items():
            code = entry["ACE"] if isinstance(entry, Mapping) else entry
            codes[:, int(key)] = torch.as_tensor(code, dtype=codes.dtype, device=codes.device).reshape(-1)
        return codes

    def semantic_input(self, label_map: torch.Tensor, instance_map: torch.Tensor | None = None) -> torch.Tensor:
        """Class ids [B,H,W] -> the one-hot input this generator expects."""
        cfg = self.config
        return one_hot_semantics(label_map, cfg["label_nc"], cfg["contain_dontcare_label"], cfg["no_instance"], instance_map)
