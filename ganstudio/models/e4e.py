"""The published image -> W+ encoders of StyleGAN2 generators: pSp, e4e and HyperStyle's W encoder.

pSp (Richardson et al. 2021, "Encoding in Style") and e4e (Tov et al. 2021, "Designing an
Encoder for StyleGAN Image Manipulation") share one backbone and one file layout; HyperStyle
(Alaluf et al. 2022) starts from a third, simpler encoder into W. Written from the papers and
the published state-dict shapes (omertov/encoder4editing, yuval-alaluf/hyperstyle), so the
official `encoder.*` tensors load with `strict=True`:

- the backbone is the IR-SE50 face-recognition ResNet (ArcFace's "improved residual" units
  with squeeze-excitation): a 3x3 input conv + BN + PReLU, then 24 units in four stages of
  [3, 4, 14, 3] at widths base*(1, 2, 4, 8), each unit BN -> conv3 -> PReLU -> conv3 (its
  stage's first unit strided) -> BN -> SE, plus a shortcut (a strided identity, or conv1 + BN
  where the width changes). Only the 50-layer depth exists in published files: the encoders
  tap units 6, 20 and 23 (the ends of stages 2-4), which only that layout has;
- pSp's GradualStyleEncoder: a feature pyramid (stage 4 = c3, c3 upsampled + a 1x1 lateral
  conv of stage 3 = p2, p2 upsampled + lateral of stage 2 = p1; bilinear, corners aligned),
  and one "map2style" head per generator layer (coarse layers 0-2 from c3, 3-6 from p2, the
  rest from p1): stride-2 3x3 convs with LeakyReLU(0.01) down to 1x1, then an equalised
  linear layer;
- e4e's Encoder4Editing: the same modules (so the same class, `e4e=True`), but layer 0's head
  gives one w for every layer and each other head adds a delta to its layer (so the codes stay
  near W, which keeps edits working). The keys do not tell the two apart: the file's
  `opts.encoder_type` does;
- HyperStyle's WEncoder (pSp's BackboneEncoderUsingLastLayerIntoW): the backbone's last
  features averaged over space, one equalised linear layer, the same w for every layer.

Each network returns absolute codes, like `StyleGAN2Encoder`: `module(images [B, C, H, W] in
[-1, 1]) -> ws [B, n_styles, style_dim]`, what `Generator.synthesis` takes. The codes are
relative to the generator's average latent in the official files; it is kept here as the
buffer `latent_avg` and added when `add_latent_avg` (pSp's `start_from_latent_avg`; always
for e4e and the W encoder). The published networks take 256x256 faces; the heads end at 1x1
for any input of at most 256 pixels (smaller inputs serve the tests); larger ones are resized to 256.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["GradualStyleEncoder", "WEncoder", "STAGE_UNITS", "TAPS", "head_levels"]

STAGE_UNITS = (3, 4, 14, 3)  # IR-SE50
TAPS = (6, 20, 23)  # units whose outputs feed the pyramid: c1 (stage 2), c2 (stage 3), c3 (stage 4)
COARSE, MIDDLE = 3, 7  # heads 0-2 read c3, 3-6 read p2, the rest p1
HEAD_SPATIAL = (16, 32, 64)  # the pyramid levels' sides for a 256 px input: each head halves that many times
MAX_INPUT = 256


def head_levels(n_styles: int) -> list[int]:
    """The pyramid level (0 = c3, 1 = p2, 2 = p1) each of `n_styles` heads reads."""
    return [0 if i < COARSE else 1 if i < MIDDLE else 2 for i in range(n_styles)]


# ----------------------------------------------------------------------------- blocks


class EqualLinear(nn.Module):
    """A linear layer with the equalised learning rate: raw weights, scaled by lr_mul / sqrt(fan_in) at run time."""

    def __init__(self, in_features: int, out_features: int, lr_mul: float = 1.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale = lr_mul / math.sqrt(in_features)
        self.lr_mul = lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class SqueezeExcite(nn.Module):
    """Channel gates from the spatial mean: 1x1 conv down by `reduction`, ReLU, 1x1 conv up, sigmoid."""

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1, bias=False)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean(dim=(2, 3), keepdim=True)))))
        return x * gate


class IRUnit(nn.Module):
    """One improved-residual unit: BN, conv3, PReLU, conv3 (strided), BN (+ SE), plus the shortcut."""

    def __init__(self, cin: int, cout: int, stride: int, se_reduction: int | None) -> None:
        super().__init__()
        self.stride = stride
        # the same width: a strided identity (the reference's MaxPool2d(1, stride)), so no weights
        self.shortcut_layer = (nn.Sequential() if cin == cout else
                               nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)))
        layers: list[nn.Module] = [nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.PReLU(cout),
                                   nn.Conv2d(cout, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)]
        if se_reduction is not None:
            layers.append(SqueezeExcite(cout, se_reduction))
        self.res_layer = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.shortcut_layer(x) if len(self.shortcut_layer) else x[:, :, ::self.stride, ::self.stride]
        return self.res_layer(x) + shortcut


class StyleHead(nn.Module):
    """pSp's map2style: stride-2 3x3 convs with LeakyReLU(0.01), log2(spatial) of them, then EqualLinear."""

    def __init__(self, cin: int, cout: int, spatial: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for k in range(int(math.log2(spatial))):
            layers += [nn.Conv2d(cin if k == 0 else cout, cout, 3, 2, 1), nn.LeakyReLU(0.01)]
        self.convs = nn.Sequential(*layers)
        self.linear = EqualLinear(cout, cout)
        self.out_c = cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.convs(x)
        if x.shape[-2:] != (1, 1):
            raise ValueError(f"the encoder takes square pictures; its head ended at {tuple(x.shape[-2:])}, not 1x1")
        return self.linear(x.flatten(1))


def fit_input(x: torch.Tensor) -> torch.Tensor:
    """Pictures larger than the published 256 px input are resized to it (bilinear, antialiased: what the
    reference's PIL Resize((256, 256)) does to a photo), so a generator-sized face can be passed as it is."""
    if max(x.shape[-2:]) <= MAX_INPUT:
        return x
    return F.interpolate(x, size=(MAX_INPUT, MAX_INPUT), mode="bilinear", align_corners=False, antialias=True)


def upsample_add(coarse: torch.Tensor, lateral: torch.Tensor) -> torch.Tensor:
    """FPN's merge: the coarser map resized bilinearly (corners aligned) to the lateral one, plus it."""
    return F.interpolate(coarse, size=lateral.shape[-2:], mode="bilinear", align_corners=True) + lateral


# ----------------------------------------------------------------------------- networks


class _IRBackboneEncoder(nn.Module):
    """The IR(-SE)50 input layer and body, the average latent, and the config every encoder here keeps."""

    def __init__(self, *, n_styles: int, style_dim: int, input_nc: int, mode: str, base_width: int,
                 se_reduction: int, add_latent_avg: bool) -> None:
        super().__init__()
        if mode not in ("ir", "ir_se"):
            raise ValueError(f"mode must be 'ir' or 'ir_se', not {mode!r}")
        self.config: dict[str, Any] = dict(n_styles=n_styles, style_dim=style_dim, input_nc=input_nc, mode=mode,
                                           base_width=base_width, se_reduction=se_reduction, add_latent_avg=add_latent_avg)
        self.n_styles = n_styles
        self.style_dim = style_dim
        self.add_latent_avg = add_latent_avg
        self.widths = tuple(base_width * m for m in (1, 2, 4, 8))
        self.input_layer = nn.Sequential(nn.Conv2d(input_nc, base_width, 3, 1, 1, bias=False),
                                         nn.BatchNorm2d(base_width), nn.PReLU(base_width))
        units: list[nn.Module] = []
        cin = base_width
        for count, width in zip(STAGE_UNITS, self.widths):
            for k in range(count):
                units.append(IRUnit(cin, width, 2 if k == 0 else 1, se_reduction if mode == "ir_se" else None))
                cin = width
        self.body = nn.Sequential(*units)
        self.register_buffer("latent_avg", torch.zeros(n_styles, style_dim))

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(c1, c2, c3): the outputs of units 6, 20 and 23."""
        x = self.input_layer(fit_input(x))
        taps = []
        for index, unit in enumerate(self.body):
            x = unit(x)
            if index in TAPS:
                taps.append(x)
        return taps[0], taps[1], taps[2]

    def absolute(self, codes: torch.Tensor) -> torch.Tensor:
        return codes + self.latent_avg.to(codes.dtype) if self.add_latent_avg else codes


class GradualStyleEncoder(_IRBackboneEncoder):
    """pSp: a feature pyramid and one map2style head per generator layer. With `e4e`, Encoder4Editing's
    reading of the same modules: head 0 gives one w for every layer, each other head a delta for its own."""

    def __init__(self, *, n_styles: int = 18, style_dim: int = 512, input_nc: int = 3, mode: str = "ir_se",
                 base_width: int = 64, se_reduction: int = 16, add_latent_avg: bool = True, e4e: bool = False) -> None:
        super().__init__(n_styles=n_styles, style_dim=style_dim, input_nc=input_nc, mode=mode, base_width=base_width,
                         se_reduction=se_reduction, add_latent_avg=add_latent_avg)
        self.config["e4e"] = e4e
        self.e4e = e4e
        top = self.widths[3]
        self.styles = nn.ModuleList(StyleHead(top, style_dim, HEAD_SPATIAL[level]) for level in head_levels(n_styles))
        self.latlayer1 = nn.Conv2d(self.widths[2], top, 1)
        self.latlayer2 = nn.Conv2d(self.widths[1], top, 1)

    def pyramid(self, x: torch.Tensor) -> list[torch.Tensor]:
        c1, c2, c3 = self.features(x)
        p2 = upsample_add(c3, self.latlayer1(c2))
        p1 = upsample_add(p2, self.latlayer2(c1))
        return [c3, p2, p1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        levels = self.pyramid(x)
        codes = torch.stack([head(levels[level]) for head, level in zip(self.styles, head_levels(self.n_styles))], dim=1)
        if self.e4e:  # w0 for every layer, plus the deltas of layers 1.. (layer 0 has none)
            codes = torch.cat([codes[:, :1], codes[:, 1:] + codes[:, :1]], dim=1)
        return self.absolute(codes)


class WEncoder(_IRBackboneEncoder):
    """HyperStyle's W encoder: the body's last features averaged, one linear layer, the same w for every layer."""

    def __init__(self, *, n_styles: int = 18, style_dim: int = 512, input_nc: int = 3, mode: str = "ir_se",
                 base_width: int = 64, se_reduction: int = 16, add_latent_avg: bool = True) -> None:
        super().__init__(n_styles=n_styles, style_dim=style_dim, input_nc=input_nc, mode=mode, base_width=base_width,
                         se_reduction=se_reduction, add_latent_avg=add_latent_avg)
        self.linear = EqualLinear(self.widths[3], style_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.body(self.input_layer(fit_input(x))).mean(dim=(2, 3))
        w = self.linear(x)
        return self.absolute(w[:, None].expand(-1, self.n_styles, -1))
