"""BicycleGAN (Zhu et al. 2017, "Toward Multimodal Image-to-Image Translation"),
state-dict compatible with junyanz/BicycleGAN.

A U-Net generator G(x, z) takes the input image and an 8-d latent code z, and a
ResNet encoder E(y) -> (mu, logvar) maps a photo of the target domain to the
code that reproduces it. Two ways of feeding z, as the reference's ``--where_add``:

- "all" (``G_Unet_add_all``, the published models): z is broadcast to every
  level's input resolution and concatenated to that level's input channels, so
  every down convolution takes nz extra channels. Each level keeps three
  attributes, ``down``, ``submodule`` (the next level), ``up``; the skip is
  the level's input *before* its leaky ReLU (the reference's in-place ReLU acts
  on the concatenated copy), concatenated after the up path: [up, skip].
- "input" (``G_Unet_add_input``): z is concatenated to the image only, and each
  level is one ``model`` Sequential like pix2pix's U-Net, whose skip carries the
  leaky-ReLU'd input (in place in the reference), again after the up path.

Unlike pix2pix every convolution has a bias, a missing norm ("none") leaves no
slot in the Sequentials (indices shift), and the up-sampling is either a 4x4
transposed convolution ("basic") or bilinear x2 + reflection pad + 3x3 conv.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn as nn
import torch.nn.functional as F

from .junyanz_norms import restore_tracking, set_reference_test_mode
from .layers import InstanceNorm2d
from .styled_translation import StyledTranslator

NORMS = ("batch", "instance", "none")
NONLINEARITIES = ("relu", "lrelu", "elu")
UPSAMPLES = ("basic", "bilinear")
WHERE_ADD = ("all", "input")


def _norm(norm: str, channels: int) -> list[nn.Module]:
    if norm == "batch":
        return [nn.BatchNorm2d(channels, affine=True, track_running_stats=True)]
    if norm == "instance":
        return [InstanceNorm2d(channels, affine=False, track_running_stats=False)]
    return []


def _nonlinearity(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "lrelu":
        return nn.LeakyReLU(0.2)
    return nn.ELU()


def _upsample(in_nc: int, out_nc: int, mode: str) -> list[nn.Module]:
    if mode == "basic":
        return [nn.ConvTranspose2d(in_nc, out_nc, kernel_size=4, stride=2, padding=1)]
    return [nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), nn.ReflectionPad2d(1), nn.Conv2d(in_nc, out_nc, kernel_size=3)]


def _with_z(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """x with z broadcast over its height and width appended as channels."""
    return torch.cat([x, z[:, :, None, None].expand(z.shape[0], z.shape[1], x.shape[2], x.shape[3])], dim=1)


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {allowed}, got {value!r}")


class ZLevel(nn.Module):
    """One level of the add-all U-Net: [z ++ x] -> down -> inner level -> up, then [up, x]."""

    def __init__(self, input_nc: int, outer_nc: int, inner_nc: int, nz: int, inner: "ZLevel | None" = None, *,
                 outermost: bool = False, norm: str = "instance", nl: str = "relu", use_dropout: bool = False, upsample: str = "basic") -> None:
        super().__init__()
        self.outermost = outermost
        self.nz = nz
        conv = nn.Conv2d(input_nc + nz, inner_nc, kernel_size=4, stride=2, padding=1)
        if outermost:
            down: list[nn.Module] = [conv]
            up = [_nonlinearity(nl), *_upsample(inner_nc * 2, outer_nc, upsample), nn.Tanh()]
        elif inner is None:
            down = [nn.LeakyReLU(0.2), conv]
            up = [_nonlinearity(nl), *_upsample(inner_nc, outer_nc, upsample), *_norm(norm, outer_nc)]
        else:
            down = [nn.LeakyReLU(0.2), conv, *_norm(norm, inner_nc)]
            up = [_nonlinearity(nl), *_upsample(inner_nc * 2, outer_nc, upsample), *_norm(norm, outer_nc)]
            if use_dropout:
                up.append(nn.Dropout(0.5))
        self.down = nn.Sequential(*down)
        self.submodule = inner
        self.up = nn.Sequential(*up)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = _with_z(x, z) if self.nz > 0 else x
        h = self.down(h)
        if self.submodule is not None:
            h = self.submodule(h, z)
        h = self.up(h)
        return h if self.outermost else torch.cat([h, x], dim=1)


class InputLevel(nn.Module):
    """One level of the add-input U-Net: a ``model`` Sequential, then [model(x), lrelu(x)]."""

    def __init__(self, input_nc: int, outer_nc: int, inner_nc: int, inner: "InputLevel | None" = None, *,
                 outermost: bool = False, norm: str = "instance", nl: str = "relu", use_dropout: bool = False, upsample: str = "basic") -> None:
        super().__init__()
        self.outermost = outermost
        conv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1)
        if outermost:
            assert inner is not None
            layers = [conv, inner, _nonlinearity(nl), *_upsample(inner_nc * 2, outer_nc, upsample), nn.Tanh()]
        elif inner is None:
            layers = [nn.LeakyReLU(0.2), conv, _nonlinearity(nl), *_upsample(inner_nc, outer_nc, upsample), *_norm(norm, outer_nc)]
        else:
            layers = [nn.LeakyReLU(0.2), conv, *_norm(norm, inner_nc), inner, _nonlinearity(nl),
                      *_upsample(inner_nc * 2, outer_nc, upsample), *_norm(norm, outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        activated = self.model[0](x)
        out = activated
        for layer in list(self.model)[1:]:
            out = layer(out)
        return torch.cat([out, activated], dim=1)


class BicycleGenerator(nn.Module):
    """G(x, z): the BicycleGAN U-Net with `num_downs` halvings (7: ``unet_128``, 8: ``unet_256``).

    Sides must be multiples of 2**num_downs. `where_add` "all" needs num_downs >= 6,
    "input" >= 5. Dropout (the published models were trained with it) acts only in
    training or in `set_reference_test_mode`.
    """

    def __init__(self, *, input_nc: int = 3, output_nc: int = 3, nz: int = 8, num_downs: int = 8, ngf: int = 64,
                 norm: str = "instance", nl: str = "relu", upsample: str = "basic", use_dropout: bool = False, where_add: str = "all") -> None:
        super().__init__()
        _check(norm, NORMS, "norm")
        _check(nl, NONLINEARITIES, "nl")
        _check(upsample, UPSAMPLES, "upsample")
        _check(where_add, WHERE_ADD, "where_add")
        least = 6 if where_add == "all" else 5
        if num_downs < least:
            raise ValueError(f"num_downs must be at least {least} with where_add={where_add!r}, got {num_downs}")
        self.config = dict(input_nc=input_nc, output_nc=output_nc, nz=nz, num_downs=num_downs, ngf=ngf, norm=norm, nl=nl,
                           upsample=upsample, use_dropout=use_dropout, where_add=where_add)
        opts: dict[str, Any] = dict(norm=norm, nl=nl, upsample=upsample)
        wide = ngf * 8
        if where_add == "all":
            level: nn.Module = ZLevel(wide, wide, wide, nz, **opts)
            for _ in range(num_downs - 5):  # the level around the innermost and the loop's: with dropout
                level = ZLevel(wide, wide, wide, nz, level, use_dropout=use_dropout, **opts)
            for outer, inner_nc in ((ngf * 4, wide), (ngf * 2, ngf * 4), (ngf, ngf * 2)):
                level = ZLevel(outer, outer, inner_nc, nz, level, **opts)
            self.model = ZLevel(input_nc, output_nc, ngf, nz, level, outermost=True, **opts)
        else:
            level = InputLevel(wide, wide, wide, **opts)
            for _ in range(num_downs - 5):
                level = InputLevel(wide, wide, wide, level, use_dropout=use_dropout, **opts)
            for outer, inner_nc in ((ngf * 4, wide), (ngf * 2, ngf * 4), (ngf, ngf * 2)):
                level = InputLevel(outer, outer, inner_nc, level, **opts)
            self.model = InputLevel(input_nc + nz, output_nc, ngf, level, outermost=True, **opts)

    @property
    def nz(self) -> int:
        return int(self.config["nz"])

    @property
    def size_multiple(self) -> int:
        return 2 ** int(self.config["num_downs"])

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        multiple = self.size_multiple
        if x.shape[-1] % multiple or x.shape[-2] % multiple:
            raise ValueError(f"the BicycleGAN U-Net with {self.config['num_downs']} downsamplings needs sides that are multiples "
                             f"of {multiple}, got {tuple(x.shape[-2:])}")
        if x.shape[1] != self.config["input_nc"]:
            raise ValueError(f"the generator takes {self.config['input_nc']} input channels, got {x.shape[1]}")
        z = z.to(dtype=x.dtype, device=x.device)
        if z.dim() != 2 or z.shape[1] != self.nz:
            raise ValueError(f"z must be [N, {self.nz}], got {tuple(z.shape)}")
        if z.shape[0] != x.shape[0]:
            if z.shape[0] != 1:
                raise ValueError(f"z has {z.shape[0]} codes for {x.shape[0]} images")
            z = z.expand(x.shape[0], -1)
        if self.config["where_add"] == "all":
            return self.model(x, z)
        return self.model(_with_z(x, z) if self.nz > 0 else x)

    def train(self, mode: bool = True) -> "BicycleGenerator":
        restore_tracking(self)
        return super().train(mode)

    def set_reference_test_mode(self, enabled: bool = True) -> "BicycleGenerator":
        """Behave like the reference ``test.py`` without ``--eval`` (dropout on, batch statistics)."""
        return set_reference_test_mode(self, enabled)


class ResidualDown(nn.Module):
    """The encoder's residual block (``BasicBlock``): [norm, lrelu, conv3, norm, lrelu, conv3 + avgpool] + avgpool + conv1.

    Without a norm the reference's first leaky ReLU runs in place on the block's
    input, so its shortcut sees the activated input too.
    """

    def __init__(self, in_nc: int, out_nc: int, norm: str) -> None:
        super().__init__()
        self.activated_shortcut = norm == "none"
        self.conv = nn.Sequential(
            *_norm(norm, in_nc), nn.LeakyReLU(0.2), nn.Conv2d(in_nc, in_nc, kernel_size=3, padding=1),
            *_norm(norm, in_nc), nn.LeakyReLU(0.2),
            nn.Sequential(nn.Conv2d(in_nc, out_nc, kernel_size=3, padding=1), nn.AvgPool2d(2)),
        )
        self.shortcut = nn.Sequential(nn.AvgPool2d(2), nn.Conv2d(in_nc, out_nc, kernel_size=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.activated_shortcut:
            x = self.conv[0](x)
            return self.conv[1:](x) + self.shortcut(x)
        return self.conv(x) + self.shortcut(x)


class ResNetEncoder(nn.Module):
    """E(y) -> (mu, logvar): the reference's ``E_ResNet`` (5 blocks: ``resnet_256``, 4: ``resnet_128``).

    Its last layer averages an 8x8 map, so it takes exactly `native_size` =
    8 * 2**n_blocks pixels a side (256 or 128). With `vae_like` False it has no
    logvar head and returns mu alone.
    """

    def __init__(self, *, input_nc: int = 3, nz: int = 8, nef: int = 64, n_blocks: int = 5, norm: str = "instance", vae_like: bool = True) -> None:
        super().__init__()
        _check(norm, NORMS, "norm")
        if n_blocks < 2:
            raise ValueError(f"n_blocks must be at least 2, got {n_blocks}")
        self.config = dict(input_nc=input_nc, nz=nz, nef=nef, n_blocks=n_blocks, norm=norm, vae_like=vae_like)
        layers: list[nn.Module] = [nn.Conv2d(input_nc, nef, kernel_size=4, stride=2, padding=1)]
        out_nc = nef
        for n in range(1, n_blocks):
            in_nc, out_nc = nef * min(4, n), nef * min(4, n + 1)
            layers.append(ResidualDown(in_nc, out_nc, norm))
        layers += [nn.LeakyReLU(0.2), nn.AvgPool2d(8)]
        self.conv = nn.Sequential(*layers)
        self.fc = nn.Sequential(nn.Linear(out_nc, nz))
        if vae_like:
            self.fcVar = nn.Sequential(nn.Linear(out_nc, nz))

    @property
    def native_size(self) -> int:
        return 8 * 2 ** int(self.config["n_blocks"])

    def forward(self, y: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        side = self.native_size
        if tuple(y.shape[-2:]) != (side, side):
            raise ValueError(f"the BicycleGAN encoder with {self.config['n_blocks']} blocks takes {side}x{side} images, got {tuple(y.shape[-2:])}")
        flat = self.conv(y).flatten(1)
        mu = self.fc(flat)
        if self.config["vae_like"]:
            return mu, self.fcVar(flat)
        return mu

    def train(self, mode: bool = True) -> "ResNetEncoder":
        restore_tracking(self)
        return super().train(mode)


class BicycleTranslator(StyledTranslator):
    """A->B with a style code z; a reference photo's style is E's mean (when the file has the encoder)."""

    def __init__(self, generator: BicycleGenerator, encoder: ResNetEncoder | None = None) -> None:
        super().__init__()
        self.generator = generator
        self.encoder = encoder
        self.style_dim = generator.nz
        self.size_multiple = generator.size_multiple
        self.config = dict(generator.config)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.generator(x, style)

    @property
    def can_encode_style(self) -> bool:
        return self.encoder is not None

    def encode_style(self, x: torch.Tensor) -> torch.Tensor:
        """mu of E for reference photos, resized (antialiased) to the encoder's input size."""
        if self.encoder is None:
            return super().encode_style(x)
        side = self.encoder.native_size
        x = x.to(next(self.encoder.parameters()).dtype)
        if x.shape[1] == 1 and self.encoder.config["input_nc"] == 3:
            x = x.expand(-1, 3, -1, -1)
        if tuple(x.shape[-2:]) != (side, side):
            x = F.interpolate(x.float(), size=(side, side), mode="bilinear", align_corners=False, antialias=True).to(x.dtype)
        out = self.encoder(x)
        return out[0] if isinstance(out, tuple) else out


def translator(main: nn.Module, parts: Mapping[str, nn.Module], direction: str) -> BicycleTranslator:
    """The family's translator (families.Family.translator): A->B only, the encoder part when the file has one."""
    if direction != "AtoB":
        raise ValueError("a BicycleGAN model converts one way only (A to B)")
    if not isinstance(main, BicycleGenerator):
        raise ValueError(f"a BicycleGAN translator needs a BicycleGenerator, got {type(main).__name__}")
    encoder = parts.get("encoder")
    if encoder is not None and not isinstance(encoder, ResNetEncoder):
        raise ValueError(f"the BicycleGAN encoder part must be a ResNetEncoder, got {type(encoder).__name__}")
    if encoder is not None and encoder.config["nz"] != main.nz:
        raise ValueError(f"the encoder makes {encoder.config['nz']}-d codes but the generator takes {main.nz}")
    return BicycleTranslator(main, encoder)
