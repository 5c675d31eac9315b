"""StyleGAN2-ADA generator and discriminator (Karras et al., 2020) in plain torch.

Parameter and buffer names, shapes and forward math follow the published
NVlabs/stylegan2-ada-pytorch networks, so their weights load with strict=True
and give the same images. The custom CUDA ops of the original (FIR resampling,
fused bias + activation) are written here with ordinary torch calls.

Everything runs in float32: `num_fp16_res` and the channels-last options are
accepted (they are part of an official config) but only the precision of the
original changes with them, never the math. Mixed precision is the engine's job.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NOISE_MODES = ("const", "random", "none")
ARCHITECTURES = ("orig", "skip", "resnet")
DEFAULT_RESAMPLE_FILTER = [1, 3, 3, 1]


def z_from_seed(seed: int, z_dim: int) -> np.ndarray:
    """The latent the reference tools draw for `seed`: float64 array of shape [1, z_dim]."""
    return np.random.RandomState(seed).randn(1, z_dim)


# ----------------------------------------------------------------------------- ops

# name -> (function, default gain). Gains keep the signal variance of a
# rectifier at 1 (He init), as the reference's `def_gain` does.
_ACTIVATIONS: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], float]] = {
    "linear": (lambda x: x, 1.0),
    "relu": (F.relu, math.sqrt(2)),
    "lrelu": (lambda x: F.leaky_relu(x, 0.2), math.sqrt(2)),
    "tanh": (torch.tanh, 1.0),
    "sigmoid": (torch.sigmoid, 1.0),
    "elu": (F.elu, 1.0),
    "selu": (F.selu, 1.0),
    "softplus": (F.softplus, 1.0),
    "swish": (lambda x: torch.sigmoid(x) * x, math.sqrt(2)),
}


def activation_gain(activation: str) -> float:
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; known: {', '.join(_ACTIVATIONS)}")
    return _ACTIVATIONS[activation][1]


def bias_act(
    x: torch.Tensor,
    bias: torch.Tensor | None = None,
    activation: str = "linear",
    gain: float | None = None,
    clamp: float | None = None,
) -> torch.Tensor:
    """Add a per-channel bias, apply the activation, scale by `gain`, clamp to ±clamp."""
    function, default_gain = _ACTIVATIONS[activation]
    if bias is not None:
        x = x + bias.reshape([1, -1] + [1] * (x.ndim - 2))
    x = function(x)
    gain = default_gain if gain is None else float(gain)
    if gain != 1:
        x = x * gain
    if clamp is not None and clamp >= 0:
        x = x.clamp(-clamp, clamp)
    return x


def setup_filter(taps: Sequence[float] | torch.Tensor) -> torch.Tensor:
    """A normalised 2-D FIR filter: the outer product of short 1-D taps, summing to 1."""
    f = torch.as_tensor(taps, dtype=torch.float32)
    if f.ndim == 0:
        f = f.reshape(1)
    if f.ndim == 1:
        f = torch.outer(f, f)
    if f.ndim != 2 or f.numel() == 0:
        raise ValueError(f"resample filter must be 1-D or 2-D taps, got shape {tuple(f.shape)}")
    return f / f.sum()


def upfirdn2d(
    x: torch.Tensor,
    f: torch.Tensor,
    up: int = 1,
    down: int = 1,
    padding: Sequence[int] = (0, 0, 0, 0),
    gain: float = 1.0,
) -> torch.Tensor:
    """Upsample by zero insertion, pad (negative = crop), FIR-filter, downsample by dropping.

    `padding` is (left, right, top, bottom); the filter is applied as a true
    convolution (flipped), per channel.
    """
    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    left, right, top, bottom = padding
    x = F.pad(x, [max(left, 0), max(right, 0), max(top, 0), max(bottom, 0)])
    x = x[:, :, max(-top, 0): x.shape[2] - max(-bottom, 0), max(-left, 0): x.shape[3] - max(-right, 0)]
    kernel = (f * (gain ** (f.ndim / 2))).to(x.dtype).flip([0, 1])
    kernel = kernel[None, None].expand(c, 1, *kernel.shape)
    x = F.conv2d(x, kernel, groups=c)
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    """2x FIR upsampling whose output is exactly `up` times the input size."""
    taps = f.shape[-1]
    return upfirdn2d(x, f, up=up, padding=_up_padding(taps, up, 0), gain=up * up)


def downsample2d(x: torch.Tensor, f: torch.Tensor, down: int = 2) -> torch.Tensor:
    taps = f.shape[-1]
    return upfirdn2d(x, f, down=down, padding=_down_padding(taps, down, 0))


def _up_padding(taps: int, up: int, pad: int) -> tuple[int, int, int, int]:
    before, after = pad + (taps + up - 1) // 2, pad + (taps - up) // 2
    return before, after, before, after


def _down_padding(taps: int, down: int, pad: int) -> tuple[int, int, int, int]:
    before, after = pad + (taps - down + 1) // 2, pad + (taps - down) // 2
    return before, after, before, after


def conv2d_resample(
    x: torch.Tensor,
    w: torch.Tensor,
    f: torch.Tensor | None = None,
    up: int = 1,
    down: int = 1,
    padding: int = 0,
    groups: int = 1,
) -> torch.Tensor:
    """Cross-correlation with optional 2x FIR up- or downsampling (not both).

    Upsampling is a stride-2 transposed convolution (weight used as stored,
    not flipped) followed by the FIR filter; downsampling filters first and
    then runs a strided convolution. Padding is given with respect to the
    upsampled image, as in the reference.
    """
    out_channels, in_per_group, kh, kw = w.shape
    if up > 1 and down > 1:
        raise ValueError("conv2d_resample does either up- or downsampling")
    if up == 1 and down == 1:
        return F.conv2d(x, w, padding=padding, groups=groups)
    assert f is not None, "resampling needs a filter"
    taps = f.shape[-1]
    if down > 1:
        pads = _down_padding(taps, down, padding)
        if kw == 1 and kh == 1:  # cheaper: drop pixels before the 1x1 conv
            x = upfirdn2d(x, f, down=down, padding=pads)
            return F.conv2d(x, w, groups=groups)
        x = upfirdn2d(x, f, padding=pads)
        return F.conv2d(x, w, stride=down, groups=groups)
    pads = _up_padding(taps, up, padding)
    if kw == 1 and kh == 1:  # cheaper: convolve at low resolution, then upsample
        x = F.conv2d(x, w, groups=groups)
        return upfirdn2d(x, f, up=up, padding=pads, gain=up * up)
    # conv_transpose2d wants [in, out/groups, k, k] per group
    wt = w.reshape(groups, out_channels // groups, in_per_group, kh, kw).transpose(1, 2)
    wt = wt.reshape(groups * in_per_group, out_channels // groups, kh, kw)
    left, right = pads[0] - (kw - 1), pads[1] - (kw - up)
    top, bottom = pads[2] - (kh - 1), pads[3] - (kh - up)
    pad_x, pad_y = max(min(-left, -right), 0), max(min(-top, -bottom), 0)
    x = F.conv_transpose2d(x, wt, stride=up, padding=[pad_y, pad_x], groups=groups)
    return upfirdn2d(x, f, padding=(left + pad_x, right + pad_x, top + pad_y, bottom + pad_y), gain=up * up)


def modulated_conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    styles: torch.Tensor,
    noise: torch.Tensor | None = None,
    up: int = 1,
    padding: int = 0,
    resample_filter: torch.Tensor | None = None,
    demodulate: bool = True,
    fused: bool = True,
) -> torch.Tensor:
    """Convolution whose weight is scaled per sample by `styles` [N, in] and demodulated.

    Fused: one grouped convolution with a weight per sample (fast for
    inference). Unfused: scale the activations before and after one shared
    convolution (the same result; cheaper to differentiate in training).
    """
    batch = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    dcoefs = None
    if fused or demodulate:
        w = weight.unsqueeze(0) * styles.reshape(batch, 1, in_channels, 1, 1)
        if demodulate:
            dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
    if not fused:
        x = x * styles.reshape(batch, -1, 1, 1)
        x = conv2d_resample(x, weight, resample_filter, up=up, padding=padding)
        if dcoefs is not None:
            x = x * dcoefs.reshape(batch, -1, 1, 1)
        return x + noise if noise is not None else x
    if dcoefs is not None:
        w = w * dcoefs.reshape(batch, -1, 1, 1, 1)
    x = x.reshape(1, batch * in_channels, *x.shape[2:])
    x = conv2d_resample(x, w.reshape(batch * out_channels, in_channels, kh, kw), resample_filter, up=up, padding=padding, groups=batch)
    x = x.reshape(batch, out_channels, *x.shape[2:])
    return x + noise if noise is not None else x


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def _filter_list(taps: Any) -> list:
    """JSON-friendly copy of a resample filter argument."""
    return np.asarray(taps).tolist()


def _check_known(kind: str, kwargs: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(f"unknown {kind} arguments: {', '.join(unknown)}")


# ----------------------------------------------------------------------------- layers


class FullyConnectedLayer(nn.Module):
    """Linear layer with equalised learning rate: weights stored /lr_multiplier, scaled at run time."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, activation: str = "linear",
                 lr_multiplier: float = 1.0, bias_init: float = 0.0) -> None:
        super().__init__()
        self.activation = activation
        self.act_gain = activation_gain(activation)
        self.weight = nn.Parameter(torch.randn([out_features, in_features]) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight.to(x.dtype) * self.weight_gain
        b = self.bias
        if b is not None:
            b = b.to(x.dtype)
            if self.bias_gain != 1:
                b = b * self.bias_gain
        if self.activation == "linear" and b is not None:
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, self.activation)


class Conv2dLayer(nn.Module):
    """Equalised-lr convolution with optional FIR up/downsampling, bias, activation and clamp."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool = True,
                 activation: str = "linear", up: int = 1, down: int = 1,
                 resample_filter: Sequence[float] = DEFAULT_RESAMPLE_FILTER, conv_clamp: float | None = None) -> None:
        super().__init__()
        self.activation = activation
        self.act_gain = activation_gain(activation)
        self.up, self.down = up, down
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = nn.Parameter(torch.zeros([out_channels])) if bias else None

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        w = (self.weight * self.weight_gain).to(x.dtype)
        x = conv2d_resample(x, w, self.resample_filter, up=self.up, down=self.down, padding=self.padding)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, self.activation, gain=self.act_gain * gain, clamp=clamp)


class MappingNetwork(nn.Module):
    """z (and an embedded class label c) -> w, broadcast to num_ws copies, with truncation."""

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, num_ws: int | None, num_layers: int = 8,
                 embed_features: int | None = None, layer_features: int | None = None, activation: str = "lrelu",
                 lr_multiplier: float = 0.01, w_avg_beta: float | None = 0.995) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.num_ws = num_ws
        self.num_layers = num_layers
        self.w_avg_beta = w_avg_beta
        if embed_features is None:
            embed_features = w_dim
        if c_dim == 0:
            embed_features = 0
        if layer_features is None:
            layer_features = w_dim
        features = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed_features)
        for index in range(num_layers):
            layer = FullyConnectedLayer(features[index], features[index + 1], activation=activation, lr_multiplier=lr_multiplier)
            setattr(self, f"fc{index}", layer)
        if num_ws is not None and w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros([w_dim]))

    def forward(self, z: torch.Tensor | None, c: torch.Tensor | None, truncation_psi: float = 1,
                truncation_cutoff: int | None = None, skip_w_avg_update: bool = False) -> torch.Tensor:
        x = None
        if self.z_dim > 0:
            if z is None or z.ndim != 2 or z.shape[1] != self.z_dim:
                raise ValueError(f"z must have shape [N, {self.z_dim}], got {None if z is None else tuple(z.shape)}")
            x = normalize_2nd_moment(z.to(torch.float32))
        if self.c_dim > 0:
            if c is None or c.ndim != 2 or c.shape[1] != self.c_dim:
                raise ValueError(f"c must have shape [N, {self.c_dim}], got {None if c is None else tuple(c.shape)}")
            y = normalize_2nd_moment(self.embed(c.to(torch.float32)))
            x = torch.cat([x, y], dim=1) if x is not None else y
        for index in range(self.num_layers):
            x = getattr(self, f"fc{index}")(x)
        if self.w_avg_beta is not None and self.training and not skip_w_avg_update:
            self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if self.num_ws is not None:
            x = x.unsqueeze(1).repeat([1, self.num_ws, 1])
        if truncation_psi != 1:
            if self.w_avg_beta is None:
                raise ValueError("this mapping network keeps no w_avg, so it cannot truncate")
            if self.num_ws is None or truncation_cutoff is None:
                x = self.w_avg.lerp(x, truncation_psi)
            else:
                x[:, :truncation_cutoff] = self.w_avg.lerp(x[:, :truncation_cutoff], truncation_psi)
        return x


class SynthesisLayer(nn.Module):
    """Modulated 3x3 conv (optionally 2x up), per-pixel noise, bias, activation, clamp."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, kernel_size: int = 3,
                 up: int = 1, use_noise: bool = True, activation: str = "lrelu",
                 resample_filter: Sequence[float] = DEFAULT_RESAMPLE_FILTER, conv_clamp: float | None = None) -> None:
        super().__init__()
        self.resolution = resolution
        self.up = up
        self.use_noise = use_noise
        self.activation = activation
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.act_gain = activation_gain(activation)
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        if use_noise:
            self.register_buffer("noise_const", torch.randn([resolution, resolution]))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "const", fused_modconv: bool = True,
                gain: float = 1.0, noise_scale: float = 1.0, noise_generator: torch.Generator | None = None) -> torch.Tensor:
        styles = self.affine(w)
        noise = None
        if self.use_noise and noise_mode != "none" and noise_scale != 0:
            strength = self.noise_strength * noise_scale if noise_scale != 1 else self.noise_strength
            if noise_mode == "random":
                shape = [x.shape[0], 1, self.resolution, self.resolution]
                # drawn where the generator lives, so a CPU generator gives the same noise on any device
                device = noise_generator.device if noise_generator is not None else x.device
                noise = torch.randn(shape, device=device, generator=noise_generator).to(x.device) * strength
            else:
                noise = self.noise_const * strength
        x = modulated_conv2d(x, self.weight, styles, noise=noise, up=self.up, padding=self.padding,
                             resample_filter=self.resample_filter, fused=fused_modconv)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, self.activation, gain=self.act_gain * gain, clamp=clamp)


class ToRGBLayer(nn.Module):
    """Modulated 1x1 conv to image channels, without demodulation."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, kernel_size: int = 1,
                 conv_clamp: float | None = None) -> None:
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size ** 2)

    def forward(self, x: torch.Tensor, w: torch.Tensor, fused_modconv: bool = True) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False, fused=fused_modconv)
        return bias_act(x, self.bias, clamp=self.conv_clamp)


_LAYER_KWARGS = {"kernel_size", "use_noise", "activation"}


class SynthesisBlock(nn.Module):
    """One resolution: [const |  up-conv0] -> conv1 -> [toRGB], wired as orig, skip or resnet."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, img_channels: int,
                 is_last: bool, architecture: str = "skip", resample_filter: Sequence[float] = DEFAULT_RESAMPLE_FILTER,
                 conv_clamp: float | None = None, use_fp16: bool = False, fp16_channels_last: bool = False,
                 **layer_kwargs: Any) -> None:
        super().__init__()
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
        _check_known("synthesis layer", layer_kwargs, _LAYER_KWARGS)
        self.in_channels = in_channels
        self.resolution = resolution
        self.img_channels = img_channels
        self.is_last = is_last
        self.architecture = architecture
        self.use_fp16 = use_fp16  # recorded only: this implementation computes in fp32
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.num_conv = 0
        self.num_torgb = 0
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn([out_channels, resolution, resolution]))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim=w_dim, resolution=resolution, up=2,
                                        resample_filter=resample_filter, conv_clamp=conv_clamp, **layer_kwargs)
            self.num_conv += 1
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim=w_dim, resolution=resolution,
                                    conv_clamp=conv_clamp, **layer_kwargs)
        self.num_conv += 1
        if is_last or architecture == "skip":
            self.torgb = ToRGBLayer(out_channels, img_channels, w_dim=w_dim, conv_clamp=conv_clamp)
            self.num_torgb += 1
        if in_channels != 0 and architecture == "resnet":
            self.skip = Conv2dLayer(in_channels, out_channels, kernel_size=1, bias=False, up=2,
                                    resample_filter=resample_filter)

    def conv_layers(self) -> list[tuple[str, SynthesisLayer]]:
        return [(name, getattr(self, name)) for name in ("conv0", "conv1") if hasattr(self, name)]

    def forward(self, x: torch.Tensor | None, img: torch.Tensor | None, ws: torch.Tensor, noise_mode: str = "const",
                fused_modconv: bool = True, noise_scales: Sequence[float] = (1.0, 1.0),
                noise_generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        w_iter = iter(ws.unbind(dim=1))
        scales = iter(noise_scales)
        layer_kwargs = dict(noise_mode=noise_mode, fused_modconv=fused_modconv, noise_generator=noise_generator)
        if self.in_channels == 0:
            x = self.const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1)
            x = self.conv1(x, next(w_iter), noise_scale=next(scales), **layer_kwargs)
        elif self.architecture == "resnet":
            y = self.skip(x, gain=math.sqrt(0.5))
            x = self.conv0(x, next(w_iter), noise_scale=next(scales), **layer_kwargs)
            x = self.conv1(x, next(w_iter), gain=math.sqrt(0.5), noise_scale=next(scales), **layer_kwargs)
            x = y + x
        else:
            x = self.conv0(x, next(w_iter), noise_scale=next(scales), **layer_kwargs)
            x = self.conv1(x, next(w_iter), noise_scale=next(scales), **layer_kwargs)
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        if self.is_last or self.architecture == "skip":
            y = self.torgb(x, next(w_iter), fused_modconv=fused_modconv)
            img = img + y if img is not None else y
        return x, img


_BLOCK_KWARGS = {"architecture", "resample_filter", "conv_clamp", "fp16_channels_last"} | _LAYER_KWARGS
SYNTHESIS_KWARGS = {"channel_base", "channel_max", "num_fp16_res"} | _BLOCK_KWARGS
MAPPING_KWARGS = {"num_layers", "embed_features", "layer_features", "activation", "lr_multiplier", "w_avg_beta"}


class SynthesisNetwork(nn.Module):
    """ws [N, num_ws, w_dim] -> image [N, img_channels, R, R], one block per resolution 4..R."""

    def __init__(self, w_dim: int, img_resolution: int, img_channels: int, channel_base: int = 32768,
                 channel_max: int = 512, num_fp16_res: int = 0, **block_kwargs: Any) -> None:
        super().__init__()
        if img_resolution < 4 or img_resolution & (img_resolution - 1):
            raise ValueError(f"img_resolution must be a power of two >= 4, got {img_resolution}")
        _check_known("synthesis", block_kwargs, _BLOCK_KWARGS)
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        log2 = int(math.log2(img_resolution))
        self.block_resolutions = [2 ** i for i in range(2, log2 + 1)]
        channels = {res: min(channel_base // res, channel_max) for res in self.block_resolutions}
        fp16_resolution = max(2 ** (log2 + 1 - num_fp16_res), 8)
        self.num_ws = 0
        for res in self.block_resolutions:
            block = SynthesisBlock(channels[res // 2] if res > 4 else 0, channels[res], w_dim=w_dim, resolution=res,
                                   img_channels=img_channels, is_last=res == img_resolution,
                                   use_fp16=res >= fp16_resolution, **block_kwargs)
            self.num_ws += block.num_conv
            if res == img_resolution:
                self.num_ws += block.num_torgb
            setattr(self, f"b{res}", block)
        # Per-layer noise, in forward order: the names index `noise_scales`.
        self.noise_layer_names = [
            f"b{res}.{name}" for res in self.block_resolutions
            for name, layer in getattr(self, f"b{res}").conv_layers() if layer.use_noise
        ]

    def forward(self, ws: torch.Tensor, noise_mode: str = "const",
                noise_scales: Sequence[float] | Mapping[str, float] | None = None,
                noise_generator: torch.Generator | None = None, fused_modconv: bool | None = None,
                force_fp32: bool = True) -> torch.Tensor:
        """Render ws. `noise_scales` multiplies each layer's noise (a sequence ordered like
        `noise_layer_names`, or a {name: scale} mapping; missing names keep 1)."""
        del force_fp32  # always fp32 here; accepted for call compatibility with the reference
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if ws.ndim != 3 or ws.shape[1] != self.num_ws or ws.shape[2] != self.w_dim:
            raise ValueError(f"ws must have shape [N, {self.num_ws}, {self.w_dim}], got {tuple(ws.shape)}")
        if fused_modconv is None:
            fused_modconv = not self.training
        return self.render_up_to(ws.to(torch.float32), self.img_resolution, noise_mode=noise_mode, noise_scales=noise_scales,
                                 noise_generator=noise_generator, fused_modconv=fused_modconv)

    def render_up_to(self, ws: torch.Tensor, resolution: int, *, noise_mode: str = "const",
                     noise_scales: Sequence[float] | Mapping[str, float] | None = None,
                     noise_generator: torch.Generator | None = None, fused_modconv: bool = True) -> torch.Tensor:
        """Run the blocks up to the first one at `resolution` or above and return its image.

        At img_resolution this is the whole synthesis; below it, with the 'skip'
        architecture, it is the sum of the toRGB outputs so far: a smaller
        version of the final picture, which previews use. ws keep their dtype.
        """
        scale_of = self._noise_scale_lookup(noise_scales)
        x = img = None
        w_index = 0
        for res in self.block_resolutions:
            block = getattr(self, f"b{res}")
            block_ws = ws.narrow(1, w_index, block.num_conv + block.num_torgb)
            w_index += block.num_conv
            scales = [scale_of(f"b{res}.{name}") for name, _ in block.conv_layers()]
            x, img = block(x, img, block_ws, noise_mode=noise_mode, fused_modconv=fused_modconv,
                           noise_scales=scales, noise_generator=noise_generator)
            if res >= resolution:
                break
        return img

    def _noise_scale_lookup(self, noise_scales: Sequence[float] | Mapping[str, float] | None) -> Callable[[str], float]:
        if noise_scales is None:
            return lambda name: 1.0
        if isinstance(noise_scales, Mapping):
            unknown = set(noise_scales) - set(self.noise_layer_names)
            if unknown:
                raise ValueError(f"no noise layer named {sorted(unknown)}; layers: {self.noise_layer_names}")
            table = {name: float(scale) for name, scale in noise_scales.items()}
        else:
            values = [float(scale) for scale in noise_scales]
            if len(values) != len(self.noise_layer_names):
                raise ValueError(f"noise_scales needs {len(self.noise_layer_names)} values (one per noise layer), got {len(values)}")
            table = dict(zip(self.noise_layer_names, values))
        return lambda name: table.get(name, 1.0)


class Generator(nn.Module):
    """StyleGAN2-ADA generator: `mapping` (z, c -> ws) then `synthesis` (ws -> image in [-1, 1]).

    Same constructor arguments as the reference's `init_kwargs`, keyword only.
    `forward(z, c, truncation_psi, truncation_cutoff, noise_mode, ...)` renders
    directly; call `mapping` and `synthesis` separately to mix styles per
    layer. The default noise mode is 'const' (repeatable images); pass
    noise_mode='random' for training.
    """

    def __init__(self, *, z_dim: int, c_dim: int, w_dim: int, img_resolution: int, img_channels: int,
                 mapping_kwargs: Mapping[str, Any] | None = None, synthesis_kwargs: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        mapping_kwargs = dict(mapping_kwargs or {})
        synthesis_kwargs = dict(synthesis_kwargs or {})
        _check_known("mapping", mapping_kwargs, MAPPING_KWARGS)
        _check_known("synthesis", synthesis_kwargs, SYNTHESIS_KWARGS)
        if "resample_filter" in synthesis_kwargs:
            synthesis_kwargs["resample_filter"] = _filter_list(synthesis_kwargs["resample_filter"])
        self.config = dict(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, img_resolution=img_resolution,
                           img_channels=img_channels, mapping_kwargs=mapping_kwargs, synthesis_kwargs=synthesis_kwargs)
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisNetwork(w_dim=w_dim, img_resolution=img_resolution, img_channels=img_channels,
                                          **synthesis_kwargs)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws, **mapping_kwargs)

    @property
    def noise_layer_names(self) -> list[str]:
        return list(self.synthesis.noise_layer_names)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1,
                truncation_cutoff: int | None = None, noise_mode: str = "const", **synthesis_kwargs: Any) -> torch.Tensor:
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, noise_mode=noise_mode, **synthesis_kwargs)


# ----------------------------------------------------------------------------- discriminator


class DiscriminatorBlock(nn.Module):
    """One resolution of D: [fromRGB] -> conv0 -> conv1 (2x down) [+ 1x1 skip for resnet]."""

    def __init__(self, in_channels: int, tmp_channels: int, out_channels: int, resolution: int, img_channels: int,
                 first_layer_idx: int, architecture: str = "resnet", activation: str = "lrelu",
                 resample_filter: Sequence[float] = DEFAULT_RESAMPLE_FILTER, conv_clamp: float | None = None,
                 use_fp16: bool = False, fp16_channels_last: bool = False, freeze_layers: int = 0) -> None:
        super().__init__()
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
        self.in_channels = in_channels
        self.resolution = resolution
        self.img_channels = img_channels
        self.architecture = architecture
        self.use_fp16 = use_fp16
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        layers: list[nn.Module] = []
        if in_channels == 0 or architecture == "skip":
            self.fromrgb = Conv2dLayer(img_channels, tmp_channels, kernel_size=1, activation=activation, conv_clamp=conv_clamp)
            layers.append(self.fromrgb)
        self.conv0 = Conv2dLayer(tmp_channels, tmp_channels, kernel_size=3, activation=activation, conv_clamp=conv_clamp)
        self.conv1 = Conv2dLayer(tmp_channels, out_channels, kernel_size=3, activation=activation, down=2,
                                 resample_filter=resample_filter, conv_clamp=conv_clamp)
        layers += [self.conv0, self.conv1]
        if architecture == "resnet":
            self.skip = Conv2dLayer(tmp_channels, out_channels, kernel_size=1, bias=False, down=2,
                                    resample_filter=resample_filter)
            layers.append(self.skip)
        self.num_layers = len(layers)
        # Freeze-D: the first `freeze_layers` layers of the whole network stay fixed.
        for index, layer in enumerate(layers):
            if first_layer_idx + index < freeze_layers:
                layer.requires_grad_(False)

    def forward(self, x: torch.Tensor | None, img: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.in_channels == 0 or self.architecture == "skip":
            y = self.fromrgb(img)
            x = x + y if x is not None else y
            img = downsample2d(img, self.resample_filter) if self.architecture == "skip" else None
        if self.architecture == "resnet":
            y = self.skip(x, gain=math.sqrt(0.5))
            x = self.conv1(self.conv0(x), gain=math.sqrt(0.5))
            return y + x, img
        return self.conv1(self.conv0(x)), img


class MinibatchStdLayer(nn.Module):
    """Append the mean standard deviation across groups of samples as extra feature maps."""

    def __init__(self, group_size: int | None, num_channels: int = 1) -> None:
        super().__init__()
        self.group_size = group_size
        self.num_channels = num_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        group = min(self.group_size, n) if self.group_size is not None else n
        features = self.num_channels
        y = x.reshape(group, -1, features, c // features, h, w)
        y = (y - y.mean(dim=0)).square().mean(dim=0)
        y = (y + 1e-8).sqrt().mean(dim=[2, 3, 4])
        y = y.reshape(-1, features, 1, 1).repeat(group, 1, h, w)
        return torch.cat([x, y], dim=1)


class DiscriminatorEpilogue(nn.Module):
    """4x4 head: [fromRGB] -> minibatch std -> conv -> fc -> out [-> projection onto cmap]."""

    def __init__(self, in_channels: int, cmap_dim: int, resolution: int, img_channels: int, architecture: str = "resnet",
                 mbstd_group_size: int | None = 4, mbstd_num_channels: int = 1, activation: str = "lrelu",
                 conv_clamp: float | None = None) -> None:
        super().__init__()
        self.cmap_dim = cmap_dim
        self.architecture = architecture
        if architecture == "skip":
            self.fromrgb = Conv2dLayer(img_channels, in_channels, kernel_size=1, activation=activation)
        self.mbstd = MinibatchStdLayer(mbstd_group_size, mbstd_num_channels) if mbstd_num_channels > 0 else None
        self.conv = Conv2dLayer(in_channels + mbstd_num_channels, in_channels, kernel_size=3, activation=activation,
                                conv_clamp=conv_clamp)
        self.fc = FullyConnectedLayer(in_channels * resolution ** 2, in_channels, activation=activation)
        self.out = FullyConnectedLayer(in_channels, 1 if cmap_dim == 0 else cmap_dim)

    def forward(self, x: torch.Tensor, img: torch.Tensor | None, cmap: torch.Tensor | None) -> torch.Tensor:
        if self.architecture == "skip":
            x = x + self.fromrgb(img)
        if self.mbstd is not None:
            x = self.mbstd(x)
        x = self.out(self.fc(self.conv(x).flatten(1)))
        if self.cmap_dim > 0:
            x = (x * cmap).sum(dim=1, keepdim=True) * (1 / math.sqrt(self.cmap_dim))
        return x


class Discriminator(nn.Module):
    """StyleGAN2-ADA discriminator (resnet by default), with minibatch std and label projection."""

    def __init__(self, *, c_dim: int, img_resolution: int, img_channels: int, architecture: str = "resnet",
                 channel_base: int = 32768, channel_max: int = 512, num_fp16_res: int = 0,
                 conv_clamp: float | None = None, cmap_dim: int | None = None,
                 block_kwargs: Mapping[str, Any] | None = None, mapping_kwargs: Mapping[str, Any] | None = None,
                 epilogue_kwargs: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        block_kwargs = dict(block_kwargs or {})
        mapping_kwargs = dict(mapping_kwargs or {})
        epilogue_kwargs = dict(epilogue_kwargs or {})
        _check_known("discriminator block", block_kwargs,
                     {"activation", "resample_filter", "fp16_channels_last", "freeze_layers"})
        _check_known("discriminator mapping", mapping_kwargs, MAPPING_KWARGS)
        _check_known("discriminator epilogue", epilogue_kwargs, {"mbstd_group_size", "mbstd_num_channels", "activation"})
        if "resample_filter" in block_kwargs:
            block_kwargs["resample_filter"] = _filter_list(block_kwargs["resample_filter"])
        self.config = dict(c_dim=c_dim, img_resolution=img_resolution, img_channels=img_channels,
                           architecture=architecture, channel_base=channel_base, channel_max=channel_max,
                           num_fp16_res=num_fp16_res, conv_clamp=conv_clamp, cmap_dim=cmap_dim,
                           block_kwargs=block_kwargs, mapping_kwargs=mapping_kwargs, epilogue_kwargs=epilogue_kwargs)
        self.c_dim = c_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        log2 = int(math.log2(img_resolution))
        self.block_resolutions = [2 ** i for i in range(log2, 2, -1)]
        channels = {res: min(channel_base // res, channel_max) for res in self.block_resolutions + [4]}
        fp16_resolution = max(2 ** (log2 + 1 - num_fp16_res), 8)
        if cmap_dim is None:
            cmap_dim = channels[4]
        if c_dim == 0:
            cmap_dim = 0
        common = dict(img_channels=img_channels, architecture=architecture, conv_clamp=conv_clamp)
        layer_index = 0
        for res in self.block_resolutions:
            block = DiscriminatorBlock(channels[res] if res < img_resolution else 0, channels[res], channels[res // 2],
                                       resolution=res, first_layer_idx=layer_index, use_fp16=res >= fp16_resolution,
                                       **block_kwargs, **common)
            setattr(self, f"b{res}", block)
            layer_index += block.num_layers
        if c_dim > 0:
            self.mapping = MappingNetwork(z_dim=0, c_dim=c_dim, w_dim=cmap_dim, num_ws=None, w_avg_beta=None,
                                          **mapping_kwargs)
        self.b4 = DiscriminatorEpilogue(channels[4], cmap_dim=cmap_dim, resolution=4, **epilogue_kwargs, **common)

    def forward(self, img: torch.Tensor, c: torch.Tensor | None = None, **block_kwargs: Any) -> torch.Tensor:
        del block_kwargs  # force_fp32 etc.: always fp32 here
        x = None
        for res in self.block_resolutions:
            x, img = getattr(self, f"b{res}")(x, img)
        cmap = self.mapping(None, c) if self.c_dim > 0 else None
        return self.b4(x, img, cmap)
