"""Normalisation statistics shared by every tile of one image.

InstanceNorm (CycleGAN, StarGAN) normalises each image by its own per-channel
mean and variance, and so does BatchNorm in the pix2pix reference test mode
(batch statistics, batch of one). Run tile by tile, such a network would
normalise each tile by that tile's statistics: tiles would disagree with each
other (seams) and with whole-image inference. Instead, one pass over the whole
image (downscaled if it is large) records every such layer's statistics
(`capture`), and the tiles are then normalised with those (`frozen`).

When the statistics pass runs at full resolution, tiled inference equals
whole-image inference up to receptive-field effects at the tile borders
(which the overlap and feathered blending absorb). When the image had to be
downscaled for the pass, the statistics are those of the smaller image, an
approximation: means barely change, variances of fine-detail channels shrink
a little.

Layers of other kinds take part by duck typing: a layer with
`input_statistics(x) -> tuple of tensors` and `normalise_with(x, stats)`
(MUNIT / UNIT's LayerNorm, which normalises each image by one mean and one
standard deviation over C, H and W) is captured and frozen the same way.
MUNIT's AdaIN normalises through an nn.InstanceNorm2d child, caught as such.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import torch
import torch.nn as nn

# layer -> (mean [C], biased var [C]) float32 for instance/batch norms; whatever input_statistics returns for the others
Stats = dict[nn.Module, tuple[torch.Tensor, ...]]


def _has_own_statistics(layer: nn.Module) -> bool:
    return callable(getattr(layer, "input_statistics", None)) and callable(getattr(layer, "normalise_with", None))


def uses_input_statistics(layer: nn.Module) -> bool:
    """Whether `layer` normalises with the statistics of its own input in its current mode."""
    if _has_own_statistics(layer):
        return True
    if isinstance(layer, nn.modules.instancenorm._InstanceNorm):
        # StarGAN's per-image norm keeps running buffers but never uses them
        if type(layer).__name__ == "InstanceNormPerImage":
            return True
        return layer.training or not layer.track_running_stats
    if isinstance(layer, nn.modules.batchnorm._BatchNorm):
        return layer.training or not layer.track_running_stats or layer.running_mean is None
    return False


def statistic_layers(module: nn.Module) -> list[nn.Module]:
    return [layer for layer in module.modules() if uses_input_statistics(layer)]


def _normalise(layer: nn.Module, x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    shape = (1, -1, 1, 1)
    y = (x - mean.to(x.dtype).view(shape)) * torch.rsqrt(var.to(x.dtype).view(shape) + layer.eps)
    if getattr(layer, "weight", None) is not None and layer.affine:
        y = y * layer.weight.view(shape) + layer.bias.view(shape)
    return y


@contextlib.contextmanager
def _patched(layers: list[nn.Module], make: Callable[[nn.Module], Callable[[torch.Tensor], torch.Tensor]]) -> Iterator[None]:
    # An instance attribute `forward` takes precedence over the class's method in Module.__call__.
    try:
        for layer in layers:
            layer.forward = make(layer)  # type: ignore[method-assign]
        yield
    finally:
        for layer in layers:
            layer.__dict__.pop("forward", None)


def capture(module: nn.Module, run: Callable[[], torch.Tensor]) -> Stats:
    """Run `run()` (a forward pass of `module`) and record each statistics layer's input statistics."""
    stats: Stats = {}
    layers = statistic_layers(module)

    def make(layer: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
        if _has_own_statistics(layer):
            def own(x: torch.Tensor) -> torch.Tensor:
                stats[layer] = tuple(layer.input_statistics(x))
                return layer.normalise_with(x, stats[layer])

            return own

        def forward(x: torch.Tensor) -> torch.Tensor:
            dims = (0, 2, 3)
            xf = x.float()
            mean = xf.mean(dim=dims)
            var = xf.var(dim=dims, unbiased=False)
            stats[layer] = (mean, var)
            return _normalise(layer, x, mean, var)

        return forward

    with _patched(layers, make):
        run()
    return stats


@contextlib.contextmanager
def frozen(module: nn.Module, stats: Stats) -> Iterator[None]:
    """Within the block, every statistics layer of `module` normalises with `stats` instead of its input's."""
    layers = [layer for layer in statistic_layers(module) if layer in stats]

    def make(layer: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
        if _has_own_statistics(layer):
            return lambda x: layer.normalise_with(x, stats[layer])
        mean, var = stats[layer]
        return lambda x: _normalise(layer, x, mean, var)

    with _patched(layers, make):
        yield

