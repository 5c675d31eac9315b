"""Normalisation choices of the pix2pix/CycleGAN networks, and their "test mode".

The junyanz networks take a norm name: 'batch' (BatchNorm2d with affine
parameters and running statistics), 'instance' (InstanceNorm2d without affine
parameters or running statistics) or 'none' (an identity that still occupies
its slot in the Sequential, so parameter indices do not move). Convolutions
feeding a norm have a bias only with instance norm, because BatchNorm's shift
makes a bias redundant while the parameter-free InstanceNorm has none.

The reference test script runs its generators in train mode unless ``--eval``
is given: dropout stays on and BatchNorm normalises with the statistics of the
batch. `set_reference_test_mode` reproduces that behaviour without the side
effect train mode would have here (updating the running statistics on every
inference).
"""
from __future__ import annotations

import torch.nn as nn

from .layers import InstanceNorm2d

NORMS = ("batch", "instance", "none")


def check_norm(norm: str) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    return norm


def make_norm(norm: str, channels: int) -> nn.Module:
    if norm == "batch":
        return nn.BatchNorm2d(channels, affine=True, track_running_stats=True)
    if norm == "instance":
        return InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if norm == "none":
        return nn.Identity()
    raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")


def conv_bias(norm: str) -> bool:
    """Whether a convolution followed by `norm` carries a bias in the reference."""
    return norm == "instance"


def set_reference_test_mode(network: nn.Module, enabled: bool = True) -> nn.Module:
    """Run like the reference test without ``--eval`` (enabled) or like plain eval.

    Enabled: the whole network is in eval mode except Dropout (active) and
    BatchNorm (batch statistics, running statistics left untouched). Disabled:
    ordinary eval mode. Calling ``.train()`` afterwards restores normal training.
    """
    network.eval()
    for layer in network.modules():
        if isinstance(layer, nn.modules.batchnorm._BatchNorm):
            # Not tracking + training => batch statistics and no buffer update;
            # the buffers stay registered, so the state dict is unchanged.
            layer.track_running_stats = not enabled
            layer.train(enabled)
        elif isinstance(layer, nn.modules.dropout._DropoutNd):
            layer.train(enabled)
    return network


def restore_tracking(network: nn.Module) -> None:
    """Called from the networks' ``train()``: leaving test mode re-enables running statistics."""
    for layer in network.modules():
        if isinstance(layer, nn.modules.batchnorm._BatchNorm):
            layer.track_running_stats = True
