"""OASIS (Schönfeld, Sushko et al., "You Only Need Adversarial Supervision for Semantic Image Synthesis", ICLR 2021).

Parameter names, shapes and forward math follow boschresearch/OASIS so its
``checkpoints/<name>/models/{best,latest,<iter>}_{EMA,G,D}.pth`` load with
strict=True. The generator is a SPADE generator without an encoder whose input
is the one-hot label map with 3D noise concatenated to it: ``z_dim`` noise
channels *before* the label channels, fed to the first conv ``fc`` and to
every SPADE norm. The discriminator is a U-Net that labels every pixel with
one of the N semantic classes or "fake" (N+1 outputs).

Noise. The reference draws one z ~ N(0, 1) of shape [B, z_dim] per image (on
the label map's device, float32) and repeats it over every pixel; a per-pixel
noise map of the same [B, z_dim, H, W] shape is what makes local re-sampling
possible (new noise under a mask, the rest kept). `OASISGenerator.forward`
takes either: z [B, z_dim] (the reference's broadcast), z [B, z_dim, H, W] (a
noise map), or None (drawn exactly as the reference draws it, so seeding
torch before the call reproduces the reference's output).

Options named as in the reference's ``config.py``: ``channels_G``, ``z_dim``,
``no_3dnoise``; ``param_free_norm_type`` is ``--param_free_norm``,
``spade_kernel_size`` is ``--spade_ks``, ``spade_hidden`` is the fixed 128 of
its SPADE (smaller for cheap test models). The reference's ``num_res_blocks``
must be 6 for its generator to run (conv_img takes the width after the sixth
block), so the generator always has six blocks and five 2x upsamplings; its
``--no_spectral_norm`` replaces every convolution by an Identity and cannot
make a working network, so spectral norm is always on.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import conv2d, param_free_norm

SPADE_HIDDEN = 128  # width of the shared SPADE embedding in the reference
NUM_BLOCKS = 6  # generator residual blocks; each but the last is followed by a 2x upsampling
UPSAMPLING = 2 ** (NUM_BLOCKS - 1)  # output pixels per first-feature-map cell
DEFAULT_Z_DIM = 64


def latent_size(crop_size: int, aspect_ratio: float) -> tuple[int, int]:
    """(height, width) of the generator's first feature map: crop/32 wide, divided by the aspect ratio."""
    sw = crop_size // UPSAMPLING
    sh = round(sw / aspect_ratio)
    if sw < 1 or sh < 1:
        raise ValueError(f"crop_size {crop_size} with aspect ratio {aspect_ratio} is too small (the first feature map needs 1x1)")
    return sh, sw


def semantic_channels(label_nc: int, contain_dontcare_label: bool) -> int:
    """Label channels of the input: one per class plus the dontcare class (OASIS uses no instance edges)."""
    return label_nc + (1 if contain_dontcare_label else 0)


def one_hot_labels(label_map: torch.Tensor, semantic_nc: int) -> torch.Tensor:
    """Class ids [B,H,W] (or [B,1,H,W]) -> one-hot [B, semantic_nc, H, W], float.

    The reference scatters the ids as they are (its data loaders already put
    the dontcare class at its channel), so no id is remapped here.
    """
    if label_map.dim() == 4 and label_map.shape[1] == 1:
        label_map = label_map[:, 0]
    if label_map.dim() != 3:
        raise ValueError(f"label_map must be [B,H,W], got {tuple(label_map.shape)}")
    ids = label_map.long()
    if bool((ids < 0).any()) or bool((ids >= semantic_nc).any()):
        raise ValueError(f"label ids must lie in [0, {semantic_nc - 1}], got {int(ids.min())}..{int(ids.max())}")
    return F.one_hot(ids, semantic_nc).permute(0, 3, 1, 2).float()


def noise_map(z: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """The 3D noise [B, z_dim, height, width] for z [B, z_dim] (repeated per pixel) or a map (resized, nearest).

    A vector gives a real (not expanded) tensor, so a caller may edit regions of it in place.
    """
    if z.dim() == 2:
        return z[:, :, None, None].expand(-1, -1, height, width).contiguous()
    if z.dim() != 4:
        raise ValueError(f"z must be [B, z_dim] or [B, z_dim, H, W], got {tuple(z.shape)}")
    if tuple(z.shape[2:]) != (height, width):
        z = F.interpolate(z, size=(height, width), mode="nearest")
    return z


def reroll_noise(z: torch.Tensor, mask: torch.Tensor, fresh: torch.Tensor) -> torch.Tensor:
    """Noise that is `fresh` where `mask` is set and `z` elsewhere: re-sample one region, keep the rest.

    `z` and `fresh`: [B, z_dim] or [B, z_dim, H, W]; `mask`: [H, W], [B, H, W] or
    [B, 1, H, W], true (or nonzero) where the new noise goes. The result is a map
    at the mask's size.
    """
    if mask.dim() == 2:
        mask = mask[None, None]
    elif mask.dim() == 3:
        mask = mask[:, None]
    if mask.dim() != 4 or mask.shape[1] != 1:
        raise ValueError(f"mask must be [H,W], [B,H,W] or [B,1,H,W], got {tuple(mask.shape)}")
    height, width = mask.shape[2:]
    old, new = noise_map(z, height, width), noise_map(fresh.to(z.device, z.dtype), height, width)
    return torch.where(mask.to(z.device).bool(), new, old)


class SPADE(nn.Module):
    """Spatially-adaptive norm of OASIS: the reference names its param-free norm `first_norm`."""

    def __init__(
        self, *, norm_nc: int, label_nc: int, param_free_norm_type: str = "syncbatch", kernel_size: int = 3, hidden: int = SPADE_HIDDEN
    ) -> None:
        super().__init__()
        self.first_norm = param_free_norm(param_free_norm_type, norm_nc)
        pad = kernel_size // 2
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, hidden, kernel_size, padding=pad), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, norm_nc, kernel_size, padding=pad)
        self.mlp_beta = nn.Conv2d(hidden, norm_nc, kernel_size, padding=pad)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        normalized = self.first_norm(x)
        hidden = self.mlp_shared(F.interpolate(segmap, size=x.shape[2:], mode="nearest"))
        return normalized * (1 + self.mlp_gamma(hidden)) + self.mlp_beta(hidden)


class ResnetBlockWithSPADE(nn.Module):
    """Pre-activation residual block with SPADE norms and spectral-norm convs; 1x1 learned shortcut when widths differ."""

    def __init__(self, *, fin: int, fout: int, cond_nc: int, param_free_norm_type: str, spade_kernel_size: int, spade_hidden: int) -> None:
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.conv_0 = conv2d(fin, fmiddle, 3, padding=1, spectral=True)
        self.conv_1 = conv2d(fmiddle, fout, 3, padding=1, spectral=True)
        if self.learned_shortcut:
            self.conv_s = conv2d(fin, fout, 1, bias=False, spectral=True)
        norm = dict(label_nc=cond_nc, param_free_norm_type=param_free_norm_type, kernel_size=spade_kernel_size, hidden=spade_hidden)
        self.norm_0 = SPADE(norm_nc=fin, **norm)
        self.norm_1 = SPADE(norm_nc=fmiddle, **norm)
        if self.learned_shortcut:
            self.norm_s = SPADE(norm_nc=fin, **norm)

    def forward(self, x: torch.Tensor, seg: torch.Tensor) -> torch.Tensor:
        x_s = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return x_s + dx


class OASISGenerator(nn.Module):
    """One-hot label map (+ 3D noise) -> image in [-1, 1].

    Widths 16, 16, 16, 8, 4, 2, 1 times `channels_G` through six blocks
    (``body.0``..``body.5``); the first feature map is the label map (with its
    noise) resized to crop_size/32 wide and passed through the conv ``fc``, so
    ``fc.weight`` is [16*channels_G, z_dim + semantic_nc, 3, 3] (ADE20K:
    [1024, 215, 3, 3]). The output is 32 times the first feature map.
    """

    def __init__(
        self,
        *,
        label_nc: int,
        contain_dontcare_label: bool = True,
        channels_G: int = 64,
        z_dim: int = DEFAULT_Z_DIM,
        no_3dnoise: bool = False,
        crop_size: int = 256,
        aspect_ratio: float = 1.0,
        param_free_norm_type: str = "syncbatch",
        spade_kernel_size: int = 3,
        spade_hidden: int = SPADE_HIDDEN,
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(
            label_nc=label_nc,
            contain_dontcare_label=contain_dontcare_label,
            channels_G=channels_G,
            z_dim=z_dim,
            no_3dnoise=no_3dnoise,
            crop_size=crop_size,
            aspect_ratio=aspect_ratio,
            param_free_norm_type=param_free_norm_type,
            spade_kernel_size=spade_kernel_size,
            spade_hidden=spade_hidden,
        )
        self.semantic_nc = semantic_channels(label_nc, contain_dontcare_label)
        self.z_dim = z_dim
        self.uses_noise = not no_3dnoise
        self.sh, self.sw = latent_size(crop_size, aspect_ratio)
        cond_nc = self.semantic_nc + (z_dim if self.uses_noise else 0)
        ch = channels_G
        widths = [16 * ch, 16 * ch, 16 * ch, 8 * ch, 4 * ch, 2 * ch, ch]
        self.fc = nn.Conv2d(cond_nc, 16 * ch, 3, padding=1)
        self.body = nn.ModuleList(
            ResnetBlockWithSPADE(
                fin=widths[i], fout=widths[i + 1], cond_nc=cond_nc, param_free_norm_type=param_free_norm_type,
                spade_kernel_size=spade_kernel_size, spade_hidden=spade_hidden,
            )
            for i in range(NUM_BLOCKS)
        )
        self.conv_img = nn.Conv2d(ch, 3, 3, padding=1)

    @property
    def output_size(self) -> tuple[int, int]:
        """(height, width) of the images this generator makes at its training crop."""
        return self.sh * UPSAMPLING, self.sw * UPSAMPLING

    def random_z(self, batch: int = 1, seed: int | None = None, device: str | torch.device = "cpu") -> torch.Tensor:
        """A standard-normal z [batch, z_dim] as the reference draws it; the same seed gives the same z on every device."""
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        return torch.randn(batch, self.z_dim, generator=generator, dtype=torch.float32).to(device)

    def forward(self, input: torch.Tensor, z: torch.Tensor | None = None, *, latent_hw: tuple[int, int] | None = None) -> torch.Tensor:
        """`input`: one-hot label map [B, semantic_nc, H, W]. `z`: [B, z_dim], [B, z_dim, H, W] or None (drawn).

        `latent_hw` overrides the first feature map's size, to render at another
        size or aspect than the training crop; the output is 32 times it.
        """
        seg = input
        if self.uses_noise:
            if z is None:
                # the reference's own draw: global RNG of the label map's device, float32
                z = torch.randn(seg.shape[0], self.z_dim, dtype=torch.float32, device=seg.device)
            if z.shape[0] != seg.shape[0] or z.shape[1] != self.z_dim:
                raise ValueError(f"z must be [{seg.shape[0]}, {self.z_dim}] or [{seg.shape[0]}, {self.z_dim}, H, W], got {tuple(z.shape)}")
            noise = noise_map(z.to(seg.device, seg.dtype), seg.shape[2], seg.shape[3])
            seg = torch.cat((noise, seg), dim=1)  # noise first, as the reference concatenates
        elif z is not None:
            raise ValueError("this OASIS generator was trained without 3D noise (no_3dnoise); z must be None")
        x = self.fc(F.interpolate(seg, size=latent_hw or (self.sh, self.sw), mode="nearest"))
        for i, block in enumerate(self.body):
            x = block(x, seg)
            if i < NUM_BLOCKS - 1:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.conv_img(F.leaky_relu(x, 0.2))
        return torch.tanh(x)

    def semantic_input(self, label_map: torch.Tensor) -> torch.Tensor:
        """Class ids [B,H,W] -> the one-hot input this generator expects."""
        return one_hot_labels(label_map, self.semantic_nc)


class ResidualBlockD(nn.Module):
    """A discriminator block: two spectral-norm 3x3 convs after leaky ReLUs, resampling and a shortcut.

    `up_or_down` > 0: 2x nearest upsampling before the first conv (decoder);
    < 0: 2x average pooling after the second (encoder). The first encoder block
    has no activation in front. The Sequential indices are part of the keys
    (``conv1.0`` first block, ``conv1.1`` down, ``conv1.2`` up, ``conv2.1``).
    """

    def __init__(self, *, fin: int, fout: int, up_or_down: int, first: bool = False) -> None:
        super().__init__()
        self.up_or_down = up_or_down
        self.first = first
        self.learned_shortcut = fin != fout
        conv = conv2d(fin, fout, 3, padding=1, spectral=True)
        if first:
            self.conv1 = nn.Sequential(conv)
        elif up_or_down > 0:
            self.conv1 = nn.Sequential(nn.LeakyReLU(0.2), nn.Upsample(scale_factor=2), conv)
        else:
            self.conv1 = nn.Sequential(nn.LeakyReLU(0.2), conv)
        self.conv2 = nn.Sequential(nn.LeakyReLU(0.2), conv2d(fout, fout, 3, padding=1, spectral=True))
        if self.learned_shortcut:
            self.conv_s = conv2d(fin, fout, 1, spectral=True)

    def _resample(self, x: torch.Tensor) -> torch.Tensor:
        if self.up_or_down > 0:
            return F.interpolate(x, scale_factor=2, mode="nearest")
        return F.avg_pool2d(x, 2)

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        # the first block pools before its 1x1 conv, the others after (same result for a 1x1 conv, not the same rounding)
        if self.first and self.up_or_down < 0:
            x = self._resample(x)
        if not self.first and self.up_or_down > 0:
            x = self._resample(x)
        if self.learned_shortcut:
            x = self.conv_s(x)
        if not self.first and self.up_or_down < 0:
            x = self._resample(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dx = self.conv2(self.conv1(x))
        if self.up_or_down < 0:
            dx = self._resample(dx)
        return self.shortcut(x) + dx


class OASISDiscriminator(nn.Module):
    """The OASIS segmentation discriminator: image [B,3,H,W] -> logits [B, semantic_nc + 1, H, W].

    Channel 0 of the output is "fake", channels 1.. the semantic classes (the
    N+1 loss). An encoder of `num_res_blocks` downsampling blocks (widths 2, 2,
    4, 4, 8, 8 times `channels_D`) and a decoder that upsamples and takes the
    encoder's features at each scale. The reference hard-codes the widths
    128..512 and 64, which `channels_D` = 64 (its otherwise unused
    ``--channels_D`` default) reproduces; it runs only with num_res_blocks = 6,
    so H and W must be multiples of 64 there.
    """

    def __init__(self, *, label_nc: int, contain_dontcare_label: bool = True, channels_D: int = 64, num_res_blocks: int = 6) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(
            label_nc=label_nc, contain_dontcare_label=contain_dontcare_label, channels_D=channels_D, num_res_blocks=num_res_blocks
        )
        if not 2 <= num_res_blocks <= 6:
            raise ValueError(f"num_res_blocks must be 2..6, got {num_res_blocks}")
        self.semantic_nc = semantic_channels(label_nc, contain_dontcare_label)
        c = channels_D
        widths = [3] + [2 * c, 2 * c, 4 * c, 4 * c, 8 * c, 8 * c][:num_res_blocks]
        n = num_res_blocks
        self.body_down = nn.ModuleList(ResidualBlockD(fin=widths[i], fout=widths[i + 1], up_or_down=-1, first=i == 0) for i in range(n))
        up = [ResidualBlockD(fin=widths[n], fout=widths[n - 1], up_or_down=1)]
        up += [ResidualBlockD(fin=2 * widths[n - i], fout=widths[n - 1 - i], up_or_down=1) for i in range(1, n - 1)]
        up.append(ResidualBlockD(fin=2 * widths[1], fout=c, up_or_down=1))
        self.body_up = nn.ModuleList(up)
        self.layer_up_last = nn.Conv2d(c, self.semantic_nc + 1, 1)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        x = input
        skips = []
        for block in self.body_down:
            x = block(x)
            skips.append(x)
        x = self.body_up[0](x)
        for i in range(1, len(self.body_down)):
            x = self.body_up[i](torch.cat((skips[-i - 1], x), dim=1))
        return self.layer_up_last(x)
