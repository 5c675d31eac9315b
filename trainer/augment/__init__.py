"""Augmentations applied to what a discriminator sees: ADA (StyleGAN2-ADA) and DiffAugment."""
from __future__ import annotations

from .ada import PIPELINES, AdaptiveAugment, AugmentPipe
from .diffaugment import POLICIES, DiffAugment, parse_policy

__all__ = ["PIPELINES", "AdaptiveAugment", "AugmentPipe", "POLICIES", "DiffAugment", "parse_policy"]
