"""SEAN (Zhu et al. 2020): semantic region-adaptive normalization. The
generator encodes a style code per region from the photo; losses and schedule
are SPADE's (hinge GAN, feature matching, VGG)."""
from __future__ import annotations

import argparse

import torch
import torch.nn as nn

from ganstudio.models.sean import STYLE_DIM, SEANGenerator

from ..loop import cli_run
from .spade import SemanticRecipe, add_semantic_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = add_semantic_arguments(parser, "sean")
    group.add_argument("--style-dim", type=int, default=STYLE_DIM, help=f"style code width (default {STYLE_DIM}, as the official model)")


class SEANRecipe(SemanticRecipe):
    name = "sean"
    nets_with_unused_parameters = ("G",)  # up_3 has no style branch but keeps its layers, as the reference

    def make_generator(self, label_nc: int) -> nn.Module:
        a = self.args
        if a.num_upsampling_layers == "most":
            raise ValueError("sean supports --num-upsampling-layers normal or more")
        return SEANGenerator(label_nc=label_nc, ngf=a.ngf, crop_size=a.resolution, num_upsampling_layers=a.num_upsampling_layers,
                             style_dim=a.style_dim, spade_hidden=a.spade_hidden)

    def generate(self, generator: nn.Module, seg: torch.Tensor, real: torch.Tensor) -> tuple[torch.Tensor, None]:
        return generator(seg, real), None


def run(args: argparse.Namespace) -> int:
    return cli_run(SEANRecipe, args)
