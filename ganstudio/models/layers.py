"""Shared building blocks for the model families.

`SpectralNormConv2d` keeps the parameter layout of torch's classic
``torch.nn.utils.spectral_norm`` hook (``weight_orig``, ``weight_u``,
``weight_v``, optional ``bias``), which is how NVlabs/SPADE and ZPdesu/SEAN
checkpoints store their spectrally normalised convolutions.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

_SN_EPS = 1e-12  # torch's spectral_norm default


class InstanceNorm2d(nn.InstanceNorm2d):
    """nn.InstanceNorm2d (same parameters, buffers and results) that keeps a channels_last input channels_last.

    torch's instance_norm copies a channels_last input to the contiguous layout and its output back (the
    bundled CycleGAN at 256 px in bf16: a fifth of the time); a group norm with one channel per group is the
    same arithmetic (per image and channel, biased variance, eps inside the root) and runs channels_last.
    Only where no running statistics are used or updated: otherwise it is torch's own forward.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.uses_input_statistics_only and is_channels_last(x):
            return F.group_norm(x, x.shape[1], self.weight, self.bias, self.eps)
        return super().forward(x)

    @property
    def uses_input_statistics_only(self) -> bool:
        return not self.track_running_stats


def is_channels_last(x: torch.Tensor) -> bool:
    return x.dim() == 4 and x.shape[1] > 1 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)


class SpectralNormConv2d(nn.Module):
    """A 2-D convolution whose weight is divided by its largest singular value.

    Training mode does one power iteration per forward (updating the ``weight_u``
    and ``weight_v`` buffers in place), like torch's hook. Eval mode uses the
    stored vectors as they are: W = W_orig / (u . (W_mat v)). That quotient is
    folded once and cached until the weight or the vectors change, because
    recomputing it for every forward costs a full pass over the weight.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
        n_power_iterations: int = 1,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.n_power_iterations = n_power_iterations
        conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias)
        # parameters before buffers, in the order torch's hook leaves them
        if bias:
            self.bias = nn.Parameter(conv.bias.detach().clone())
        else:
            self.register_parameter("bias", None)
        self.weight_orig = nn.Parameter(conv.weight.detach().clone())
        fan_in = in_channels * kernel_size * kernel_size
        self.register_buffer("weight_u", F.normalize(torch.randn(out_channels), dim=0, eps=_SN_EPS))
        self.register_buffer("weight_v", F.normalize(torch.randn(fan_in), dim=0, eps=_SN_EPS))
        self._folded: torch.Tensor | None = None
        self._folded_key: tuple | None = None

    def _sigma(self, weight_mat: torch.Tensor) -> torch.Tensor:
        return torch.dot(self.weight_u, torch.mv(weight_mat, self.weight_v))

    def _power_iteration(self, weight_mat: torch.Tensor) -> None:
        with torch.no_grad():
            for _ in range(self.n_power_iterations):
                # in place, so DDP and state_dict see the updated vectors
                self.weight_v.copy_(F.normalize(torch.mv(weight_mat.t(), self.weight_u), dim=0, eps=_SN_EPS))
                self.weight_u.copy_(F.normalize(torch.mv(weight_mat, self.weight_v), dim=0, eps=_SN_EPS))

    def _state_key(self) -> tuple:
        tensors = (self.weight_orig, self.weight_u, self.weight_v)
        return tuple((t.data_ptr(), t._version, t.dtype, t.device) for t in tensors)

    @property
    def weight(self) -> torch.Tensor:
        """The normalised weight as used by the convolution (no power iteration)."""
        weight_mat = self.weight_orig.flatten(1)
        return self.weight_orig / self._sigma(weight_mat)

    def effective_weight(self) -> torch.Tensor:
        if self.training:
            weight_mat = self.weight_orig.flatten(1)
            self._power_iteration(weight_mat.detach())
            # clones keep autograd from seeing later in-place updates of u, v
            u, v = self.weight_u.clone(), self.weight_v.clone()
            return self.weight_orig / torch.dot(u, torch.mv(weight_mat, v))
        if torch.is_grad_enabled() and self.weight_orig.requires_grad:
            return self.weight  # differentiable, not cached
        key = self._state_key()
        if self._folded is None or self._folded_key != key:
            with torch.no_grad():
                # fold in float32 even for half-precision weights: sigma sums many products
                w = self.weight_orig.float()
                sigma = torch.dot(self.weight_u.float(), torch.mv(w.flatten(1), self.weight_v.float()))
                self._folded = (w / sigma).to(self.weight_orig.dtype)
            self._folded_key = key
        return self._folded

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.effective_weight(), self.bias, self.stride, self.padding)

    def train(self, mode: bool = True) -> "SpectralNormConv2d":
        self._folded = None  # the fold is an eval-only cache
        self._folded_key = None
        return super().train(mode)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )


def conv2d(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    *,
    stride: int = 1,
    padding: int = 0,
    bias: bool = True,
    spectral: bool = False,
) -> nn.Module:
    """A plain or spectrally normalised convolution with the same call signature."""
    if spectral:
        return SpectralNormConv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias)
    return nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias)


def param_free_norm(kind: str, channels: int) -> nn.Module:
    """Normalisation without affine parameters: 'batch'/'syncbatch' (running statistics) or 'instance'.

    'syncbatch' is an ordinary BatchNorm2d here: its keys and single-process math
    are the same; the trainer converts it to SyncBatchNorm for multi-GPU runs.
    """
    if kind in ("batch", "syncbatch"):
        return nn.BatchNorm2d(channels, affine=False)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False)
    raise ValueError(f"unknown parameter-free norm {kind!r} (expected 'batch', 'syncbatch' or 'instance')")
