"""Building blocks shared by MUNIT (Huang et al. 2018) and UNIT (Liu et al. 2017).

Parameter and buffer names follow NVlabs/MUNIT and mingyuliutw/UNIT, whose
networks are made of the same pieces: a ``Conv2dBlock`` is pad -> conv ->
norm -> activation, with the padding a layer of its own (``pad``) and the
convolution unpadded; residual blocks are two such blocks and a skip; the
content encoder and the decoder are ``model`` Sequentials whose indices the
checkpoints name (upsampling layers take slots).

Two normalisations are special, and both are written so that tiled inference
can reuse one image's statistics across tiles (ganstudio.engine.norm_stats):

- ``AdaptiveInstanceNorm2d`` normalises each image per channel with its own
  statistics and applies per-image scale and bias made by the MLP from a style
  code. The normalisation step is a plain ``nn.InstanceNorm2d`` child (no
  parameters, so the state dict keeps the reference's keys: only the unused
  ``running_mean`` / ``running_var`` buffers the reference registers).
- ``LayerNorm`` normalises each image by one mean and one *unbiased* standard
  deviation over all of C, H, W, adding eps to the deviation (not to the
  variance), then a per-channel ``gamma`` / ``beta``. It exposes
  ``input_statistics`` / ``normalise_with`` so that the statistics can be
  captured on the whole image and frozen for its tiles.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from .layers import InstanceNorm2d

ACTIVATIONS = ("relu", "lrelu", "prelu", "selu", "tanh", "none")
PAD_TYPES = ("reflect", "replicate", "zero")
NORMS = ("none", "in", "ln", "adain", "bn")


def make_activation(name: str) -> nn.Module | None:
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "lrelu":
        return nn.LeakyReLU(0.2, inplace=True)
    if name == "prelu":
        return nn.PReLU()
    if name == "selu":
        return nn.SELU(inplace=True)
    if name == "tanh":
        return nn.Tanh()
    if name == "none":
        return None
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")


def make_pad(pad_type: str, padding: int) -> nn.Module:
    if pad_type == "reflect":
        return nn.ReflectionPad2d(padding)
    if pad_type == "replicate":
        return nn.ReplicationPad2d(padding)
    if pad_type == "zero":
        return nn.ZeroPad2d(padding)
    raise ValueError(f"pad_type must be one of {PAD_TYPES}, got {pad_type!r}")


class LayerNorm(nn.Module):
    """Per-image normalisation over C, H, W by mean and unbiased std (eps added to the std), then per-channel gamma/beta."""

    def __init__(self, num_features: int, eps: float = 1e-5, affine: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.affine = affine
        if affine:
            self.gamma = nn.Parameter(torch.empty(num_features).uniform_())
            self.beta = nn.Parameter(torch.zeros(num_features))

    def input_statistics(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean [N], std [N]) of each image, float32."""
        flat = x.float().reshape(x.shape[0], -1)
        return flat.mean(1), flat.std(1)

    def normalise_with(self, x: torch.Tensor, stats: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        mean, std = (s.to(x.dtype).view(-1, 1, 1, 1) for s in stats)
        y = (x - mean) / (std + self.eps)
        if self.affine:
            y = y * self.gamma.view(1, -1, 1, 1) + self.beta.view(1, -1, 1, 1)
        return y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.normalise_with(x, self.input_statistics(x))


class AdaptiveInstanceNorm2d(nn.Module):
    """Instance normalisation whose scale (`weight`) and bias, [N * C] each, are set per forward from a style code."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        # assigned before each decode (assign_adain_params); plain attributes, never saved
        self.weight: torch.Tensor | None = None
        self.bias: torch.Tensor | None = None
        # the reference registers these but never uses them (its batch_norm call normalises with batch statistics)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.instance_norm = InstanceNorm2d(num_features, eps=eps, affine=False, track_running_stats=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is None or self.bias is None:
            raise RuntimeError("AdaIN parameters were not assigned: decode with a style code")
        n, c = x.shape[:2]
        weight = self.weight.reshape(n, c, 1, 1).to(x.dtype)
        bias = self.bias.reshape(n, c, 1, 1).to(x.dtype)
        return self.instance_norm(x) * weight + bias

    def extra_repr(self) -> str:
        return str(self.num_features)


def adain_layers(module: nn.Module) -> list[AdaptiveInstanceNorm2d]:
    return [m for m in module.modules() if isinstance(m, AdaptiveInstanceNorm2d)]


def num_adain_params(module: nn.Module) -> int:
    return sum(2 * m.num_features for m in adain_layers(module))


def assign_adain_params(params: torch.Tensor, module: nn.Module) -> None:
    """Split the MLP's output [N, P] over the AdaIN layers of `module` in order: for each, C biases then C scales."""
    offset = 0
    for layer in adain_layers(module):
        c = layer.num_features
        layer.bias = params[:, offset:offset + c].contiguous().view(-1)
        layer.weight = params[:, offset + c:offset + 2 * c].contiguous().view(-1)
        offset += 2 * c


def make_norm(norm: str, dim: int) -> nn.Module | None:
    if norm == "in":
        return InstanceNorm2d(dim)
    if norm == "ln":
        return LayerNorm(dim)
    if norm == "adain":
        return AdaptiveInstanceNorm2d(dim)
    if norm == "bn":
        return nn.BatchNorm2d(dim)
    if norm == "none":
        return None
    raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")


class Conv2dBlock(nn.Module):
    """pad -> conv (with bias) -> norm -> activation."""

    def __init__(self, input_dim: int, output_dim: int, kernel_size: int, stride: int, padding: int = 0, *,
                 norm: str = "none", activation: str = "relu", pad_type: str = "zero") -> None:
        super().__init__()
        self.pad = make_pad(pad_type, padding)
        self.norm = make_norm(norm, output_dim)
        self.activation = make_activation(activation)
        self.conv = nn.Conv2d(input_dim, output_dim, kernel_size, stride, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(self.pad(x))
        if self.norm is not None:
            x = self.norm(x)
        if self.activation is not None:
            x = self.activation(x)
        return x


class LinearBlock(nn.Module):
    """fc -> activation (the MLP's layers; the reference's norm slot is unused in MUNIT)."""

    def __init__(self, input_dim: int, output_dim: int, *, activation: str = "relu") -> None:
        super().__init__()
        self.fc = nn.Linear(input_dim, output_dim, bias=True)
        self.activation = make_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc(x)
        return self.activation(x) if self.activation is not None else x


class ResBlock(nn.Module):
    """x + [3x3 block with activation, 3x3 block without](x)."""

    def __init__(self, dim: int, *, norm: str, activation: str, pad_type: str) -> None:
        super().__init__()
        self.model = nn.Sequential(
            Conv2dBlock(dim, dim, 3, 1, 1, norm=norm, activation=activation, pad_type=pad_type),
            Conv2dBlock(dim, dim, 3, 1, 1, norm=norm, activation="none", pad_type=pad_type),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) + x


class ResBlocks(nn.Module):
    def __init__(self, num_blocks: int, dim: int, *, norm: str, activation: str, pad_type: str) -> None:
        super().__init__()
        self.model = nn.Sequential(*[ResBlock(dim, norm=norm, activation=activation, pad_type=pad_type) for _ in range(num_blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class MLP(nn.Module):
    """n_blk linear layers: input -> dim (activ) ... -> output (no activation)."""

    def __init__(self, input_dim: int, output_dim: int, dim: int, n_blk: int, *, activ: str) -> None:
        super().__init__()
        layers = [LinearBlock(input_dim, dim, activation=activ)]
        layers += [LinearBlock(dim, dim, activation=activ) for _ in range(n_blk - 2)]
        layers.append(LinearBlock(dim, output_dim, activation="none"))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x.reshape(x.shape[0], -1))


class ContentEncoder(nn.Module):
    """7x7 block, `n_downsample` stride-2 4x4 blocks doubling the width, `n_res` residual blocks; all instance-normalised."""

    def __init__(self, n_downsample: int, n_res: int, input_dim: int, dim: int, *, norm: str, activ: str, pad_type: str) -> None:
        super().__init__()
        layers: list[nn.Module] = [Conv2dBlock(input_dim, dim, 7, 1, 3, norm=norm, activation=activ, pad_type=pad_type)]
        for _ in range(n_downsample):
            layers.append(Conv2dBlock(dim, 2 * dim, 4, 2, 1, norm=norm, activation=activ, pad_type=pad_type))
            dim *= 2
        layers.append(ResBlocks(n_res, dim, norm=norm, activation=activ, pad_type=pad_type))
        self.model = nn.Sequential(*layers)
        self.output_dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class StyleEncoder(nn.Module):
    """7x7 block, two width-doubling stride-2 blocks, n_downsample - 2 more at that width (no norm), global average pool, 1x1 conv."""

    def __init__(self, n_downsample: int, input_dim: int, dim: int, style_dim: int, *, activ: str, pad_type: str) -> None:
        super().__init__()
        layers: list[nn.Module] = [Conv2dBlock(input_dim, dim, 7, 1, 3, norm="none", activation=activ, pad_type=pad_type)]
        for _ in range(2):
            layers.append(Conv2dBlock(dim, 2 * dim, 4, 2, 1, norm="none", activation=activ, pad_type=pad_type))
            dim *= 2
        for _ in range(n_downsample - 2):
            layers.append(Conv2dBlock(dim, dim, 4, 2, 1, norm="none", activation=activ, pad_type=pad_type))
        layers += [nn.AdaptiveAvgPool2d(1), nn.Conv2d(dim, style_dim, 1, 1, 0)]
        self.model = nn.Sequential(*layers)
        self.output_dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class Decoder(nn.Module):
    """Residual blocks (`res_norm`), then per upsampling a nearest 2x upsample and a 5x5 LayerNorm block halving the width,
    then a 7x7 block to `output_dim` with tanh."""

    def __init__(self, n_upsample: int, n_res: int, dim: int, output_dim: int, *, res_norm: str, activ: str, pad_type: str) -> None:
        super().__init__()
        layers: list[nn.Module] = [ResBlocks(n_res, dim, norm=res_norm, activation=activ, pad_type=pad_type)]
        for _ in range(n_upsample):
            layers += [nn.Upsample(scale_factor=2), Conv2dBlock(dim, dim // 2, 5, 1, 2, norm="ln", activation=activ, pad_type=pad_type)]
            dim //= 2
        layers.append(Conv2dBlock(dim, output_dim, 7, 1, 3, norm="none", activation="tanh", pad_type=pad_type))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class MsImageDis(nn.Module):
    """Multi-scale discriminator: the same PatchGAN-like net on the image and on 2x, 4x ... average-pooled copies.

    Each scale: 4x4 stride-2 block (no norm), n_layer - 1 more doubling the width (`norm`), a 1x1 conv to one map.
    """

    def __init__(self, *, input_dim: int = 3, dim: int = 64, n_layer: int = 4, norm: str = "none", activ: str = "lrelu",
                 num_scales: int = 3, pad_type: str = "reflect") -> None:
        super().__init__()
        self.config = dict(input_dim=input_dim, dim=dim, n_layer=n_layer, norm=norm, activ=activ, num_scales=num_scales, pad_type=pad_type)
        self.downsample = nn.AvgPool2d(3, stride=2, padding=[1, 1], count_include_pad=False)
        self.cnns = nn.ModuleList()
        for _ in range(num_scales):
            width = dim
            layers: list[nn.Module] = [Conv2dBlock(input_dim, width, 4, 2, 1, norm="none", activation=activ, pad_type=pad_type)]
            for _ in range(n_layer - 1):
                layers.append(Conv2dBlock(width, width * 2, 4, 2, 1, norm=norm, activation=activ, pad_type=pad_type))
                width *= 2
            layers.append(nn.Conv2d(width, 1, 1, 1, 0))
            self.cnns.append(nn.Sequential(*layers))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for net in self.cnns:
            outputs.append(net(x))
            x = self.downsample(x)
        return outputs


def check_common(*, input_dim: int, dim: int, n_downsample: int, n_res: int, activ: str, pad_type: str) -> None:
    """ValueError for arguments no network of this layout can have (the schema checks ranges first)."""
    if input_dim < 1 or dim < 1 or n_downsample < 0 or n_res < 0:
        raise ValueError("input_dim and dim must be positive, n_downsample and n_res not negative")
    if activ not in ACTIVATIONS:
        raise ValueError(f"activ must be one of {ACTIVATIONS}, got {activ!r}")
    if pad_type not in PAD_TYPES:
        raise ValueError(f"pad_type must be one of {PAD_TYPES}, got {pad_type!r}")
