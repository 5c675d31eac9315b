"""Architecture names used in native files, mapped to the classes that build them.

Imports are lazy so that loading one family does not import all the others.
"""
from __future__ import annotations

import importlib
from typing import Any

import torch.nn as nn

# name -> "module:Class" inside ganstudio.models
ARCHITECTURES: dict[str, str] = {
    "spade": "spade:SPADEGenerator",
    "spade_encoder": "spade:ConvEncoder",
    "spade_discriminator": "spade:MultiscaleDiscriminator",
    "sean": "sean:SEANGenerator",
    "stylegan2": "stylegan2:Generator",
    "stylegan2_discriminator": "stylegan2:Discriminator",
    "pix2pix_unet": "pix2pix:UnetGenerator",
    "cyclegan_resnet": "cyclegan:ResnetGenerator",
    "patchgan": "patchgan:NLayerDiscriminator",
    "stargan": "stargan:Generator",
    "stargan_discriminator": "stargan:Discriminator",
}


class UnknownArchitecture(KeyError):
    pass


def model_class(arch: str) -> type[nn.Module]:
    try:
        target = ARCHITECTURES[arch]
    except KeyError:
        raise UnknownArchitecture(f"unknown architecture {arch!r}; known: {', '.join(sorted(ARCHITECTURES))}") from None
    module_name, class_name = target.split(":")
    module = importlib.import_module(f"ganstudio.models.{module_name}")
    return getattr(module, class_name)


def build(arch: str, config: dict[str, Any]) -> nn.Module:
    """Construct an untrained module of `arch` from its constructor config."""
    return model_class(arch)(**config)


def arch_of(module: nn.Module) -> str:
    """The registered architecture name of an instance (exact class match)."""
    cls = type(module)
    for name, target in ARCHITECTURES.items():
        module_name, class_name = target.split(":")
        if cls.__name__ == class_name and cls.__module__ == f"ganstudio.models.{module_name}":
            return name
    raise UnknownArchitecture(f"{cls.__qualname__} is not a registered architecture")
