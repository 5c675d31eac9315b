"""HyperStyle's hypernetwork (Alaluf et al. 2022): per-photo offsets for a StyleGAN2 generator's weights.

Written from the paper and the published state-dict shapes (yuval-alaluf/hyperstyle), so the
official `hypernet.*` tensors load with `strict=True`. The network looks at the photo and the
generator's current reconstruction side by side (6 channels) and returns, for each tuned
layer of the generator, an offset Δ of the layer's weight's shape; the layer then convolves
with W * (1 + Δ) (`hyperstyle_weights`). Several passes refine: each pass feeds the newest
reconstruction back and adds its offsets to the sum so far.

- the body is ResNet-34 (a 7x7 stride-2 input conv + BN + PReLU, then the four stages of
  [3, 4, 6, 3] basic blocks at widths base*(1, 2, 4, 8)) on a 256 px input: 16x16 features;
- the generator's layers are numbered as its forward runs them: 0 the 4x4 conv, 1 its toRGB,
  then per resolution conv0, conv1, toRGB (26 outputs at 1024 px);
- layers 0, 2, 3, 5, 6, 8, 9, 11, 12 (the 3x3 convs up to 64 px, all of width channel_max)
  share one small hypernetwork: a head (3x3 convs down to 1x1 and an equalised linear layer)
  gives a code, and two matrix products turn the code into a full [out, in, 3, 3] offset;
- every other tuned layer has its own head: 3x3 stride-2 convs, then a 1x1 conv to in*out
  values, one per kernel for 3x3 layers (spatially averaged first, repeated over the 3x3
  taps), or, in the "separable" variant, the outer product of an input and an output kernel,
  each mixed by a linear layer; toRGB layers take their 1x1 kernels from the last 1x1 map.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from .e4e import EqualLinear

__all__ = ["HyperNetwork", "SHARED_LAYERS", "layer_shapes", "layer_names", "parse_layers"]

SHARED_LAYERS = (0, 2, 3, 5, 6, 8, 9, 11, 12)
RESNET34_UNITS = (3, 4, 6, 3)
SPATIAL = 16  # the body's output side for a 256 px input


def num_outputs(img_resolution: int) -> int:
    """The generator's modulated layers: the 4x4 conv and toRGB, then three per further resolution."""
    return 2 + 3 * (int(math.log2(img_resolution)) - 2)


def layer_shapes(img_resolution: int, channel_base: int, channel_max: int) -> list[tuple[int, int, int]]:
    """(kernel, in, out) of each modulated layer, in forward order, for StyleGAN2-ADA's channel rule."""
    def channels(res: int) -> int:
        return min(channel_base // res, channel_max)

    shapes = [(3, channels(4), channels(4)), (1, channels(4), 3)]
    res = 8
    while res <= img_resolution:
        shapes += [(3, channels(res // 2), channels(res)), (3, channels(res), channels(res)), (1, channels(res), 3)]
        res *= 2
    return shapes


def layer_names(img_resolution: int) -> list[str]:
    """The weight of each modulated layer in our Generator, in HyperStyle's numbering."""
    names = ["synthesis.b4.conv1.weight", "synthesis.b4.torgb.weight"]
    res = 8
    while res <= img_resolution:
        names += [f"synthesis.b{res}.conv0.weight", f"synthesis.b{res}.conv1.weight", f"synthesis.b{res}.torgb.weight"]
        res *= 2
    return names


def parse_layers(text: str, count: int) -> list[int]:
    """HyperStyle's `layers_to_tune` ("0,2,3,..."; empty = every layer) as sorted indices, ValueError if out of range."""
    if not text.strip():
        return list(range(count))
    layers = sorted({int(part) for part in text.split(",")})
    if layers[0] < 0 or layers[-1] >= count:
        raise ValueError(f"layers_to_tune names layer {layers[-1] if layers[-1] >= count else layers[0]}; "
                         f"the generator has layers 0-{count - 1}")
    return layers


# ----------------------------------------------------------------------------- body


class BasicBlock(nn.Module):
    """ResNet's basic block: conv3 (strided) BN ReLU conv3 BN, plus the shortcut (conv1 + BN when the shape changes)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                           if stride != 1 or cin != cout else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


def _convs(cin: int, inner: int, cout: int, count: int, first_stride: int) -> nn.Sequential:
    """`count` 3x3 convs with LeakyReLU(0.01): cin -> inner ... -> cout, all stride 2 but the first's `first_stride`."""
    layers: list[nn.Module] = []
    for k in range(count):
        layers += [nn.Conv2d(cin if k == 0 else inner, cout if k == count - 1 else inner, 3,
                             first_stride if k == 0 else 2, 1), nn.LeakyReLU(0.01)]
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------------- heads


class SharedHypernet(nn.Module):
    """code [B, z] -> offset [B, out, in, 3, 3] through two matrix products (weights shared by several layers)."""

    def __init__(self, z_dim: int, in_size: int, out_size: int, f_size: int = 3) -> None:
        super().__init__()
        self.z_dim, self.in_size, self.out_size, self.f_size = z_dim, in_size, out_size, f_size
        self.w1 = nn.Parameter(torch.zeros(z_dim, out_size * f_size * f_size))
        self.b1 = nn.Parameter(torch.zeros(out_size * f_size * f_size))
        self.w2 = nn.Parameter(torch.zeros(z_dim, in_size * z_dim))
        self.b2 = nn.Parameter(torch.zeros(in_size * z_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = (z @ self.w2 + self.b2).view(z.shape[0], self.in_size, self.z_dim)
        # [B, in, out*f*f] read as [B, out, in, f, f]: a reinterpretation of the memory, as published
        return (h @ self.w1 + self.b1).reshape(z.shape[0], self.out_size, self.in_size, self.f_size, self.f_size)


class SharedRefinement(nn.Module):
    """A shared layer's head: 3x3 convs (the first unstrided) down to 1x1, EqualLinear, the shared hypernetwork."""

    def __init__(self, hypernet: SharedHypernet, channels: int, inner: int, code_dim: int) -> None:
        super().__init__()
        self.convs = _convs(channels, inner, code_dim, int(math.log2(SPATIAL)) + 1, first_stride=1)
        self.linear = EqualLinear(code_dim, code_dim)
        self.hypernet = hypernet
        self.code_dim = code_dim

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.hypernet(self.linear(self.convs(features).reshape(-1, self.code_dim)))


class SeparableKernel(nn.Module):
    """Offset = (output kernel x input kernel) outer product from the code, each side mixed by a linear layer."""

    def __init__(self, code_dim: int, cin: int, cout: int, kernel: int) -> None:
        super().__init__()
        self.code_dim, self.cin, self.cout, self.kernel = code_dim, cin, cout, kernel
        self.make_kernel_in = nn.Linear(code_dim, kernel * kernel * cin)
        self.make_kernel_out = nn.Linear(code_dim, kernel * kernel * cout)
        self.kernel_linear_in = nn.Linear(cin, cin)
        self.kernel_linear_out = nn.Linear(cout, cout)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        code = features.reshape(-1, self.code_dim)
        k = self.kernel
        kin = self.make_kernel_in(code).view(-1, k, k, 1, self.cin)
        kout = self.make_kernel_out(code).view(-1, k, k, self.cout, 1)
        kernel = self.kernel_linear_in(kout @ kin).permute(0, 1, 2, 4, 3)  # [B, k, k, in, out]
        return self.kernel_linear_out(kernel).permute(0, 4, 3, 1, 2)  # [B, out, in, k, k]


class Refinement(nn.Module):
    """A layer's own head: stride-2 3x3 convs, then its offsets from a 1x1 conv (or a separable kernel)."""

    def __init__(self, shape: tuple[int, int, int], channels: int, inner: int, code_dim: int, separable: bool) -> None:
        super().__init__()
        self.kernel, self.cin, self.cout = shape
        self.to_rgb = self.kernel == 1
        pools = int(math.log2(SPATIAL)) - 1
        if self.kernel == 3 and not separable:
            pools -= 1  # ends at 2x2 and is averaged below
        self.convs = _convs(channels, inner, code_dim, pools + 1, first_stride=2)
        outputs = self.cin * self.cout
        if self.to_rgb:
            self.output = nn.Sequential(nn.Conv2d(code_dim, outputs, 1))
        elif separable:
            self.output = nn.Sequential(SeparableKernel(code_dim, self.cin, self.cout, self.kernel))
        else:
            self.output = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(code_dim, outputs, 1))
        self.separable = separable

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = self.output(self.convs(features))
        if self.to_rgb:
            return x.reshape(-1, self.cout, self.cin, 1, 1)
        if self.separable:
            return x
        k = self.kernel
        return x.reshape(-1, self.cout, self.cin, 1, 1).expand(-1, -1, -1, k, k)


# ----------------------------------------------------------------------------- the network


class HyperNetwork(nn.Module):
    """[photo, reconstruction] (6 x 256 x 256 in [-1, 1]) -> one weight offset per generator layer (None: not tuned)."""

    def __init__(self, *, img_resolution: int = 1024, channel_base: int = 32768, channel_max: int = 512,
                 layers_to_tune: str = "", input_nc: int = 6, base_width: int = 64, code_dim: int = 512,
                 shared_inner: int = 128, inner: int = 256, separable: bool = False) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(img_resolution=img_resolution, channel_base=channel_base,
                                           channel_max=channel_max, layers_to_tune=layers_to_tune, input_nc=input_nc,
                                           base_width=base_width, code_dim=code_dim, shared_inner=shared_inner,
                                           inner=inner, separable=separable)
        self.shapes = layer_shapes(img_resolution, channel_base, channel_max)
        self.n_outputs = len(self.shapes)
        self.layers = parse_layers(layers_to_tune, self.n_outputs)
        self.conv1 = nn.Conv2d(input_nc, base_width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(base_width)
        self.relu = nn.PReLU(base_width)
        blocks: list[nn.Module] = []
        cin = base_width
        for stage, count in enumerate(RESNET34_UNITS):
            width = base_width * 2 ** stage
            for k in range(count):
                blocks.append(BasicBlock(cin, width, 2 if k == 0 and stage > 0 else 1))
                cin = width
        self.body = nn.Sequential(*blocks)
        self.shared_weight_hypernet = SharedHypernet(code_dim, channel_max, channel_max)
        heads: list[nn.Module | None] = []
        for index, shape in enumerate(self.shapes):
            if index not in self.layers:
                heads.append(None)
            elif index in SHARED_LAYERS:
                if shape != (3, channel_max, channel_max):
                    raise ValueError(f"layer {index} is {shape[1]} -> {shape[2]} channels; the shared hypernetwork "
                                     f"makes {channel_max} -> {channel_max}")
                heads.append(SharedRefinement(self.shared_weight_hypernet, cin, shared_inner, code_dim))
            else:
                heads.append(Refinement(shape, cin, inner, code_dim, separable))
        self.refinement_blocks = nn.ModuleList(heads)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor | None]:
        features = self.body(self.relu(self.bn1(self.conv1(x))))
        return [head(features) if head is not None else None for head in self.refinement_blocks]

