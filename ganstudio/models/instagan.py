"""InstaGAN set generator and set discriminator (Mo, Cho, Shin 2019, "InstaGAN: Instance-aware
image-to-image translation"), state-dict compatible with sangwoomo/instagan ``ResnetSetGenerator``
and ``NLayerSetDiscriminator``.

The input is the image followed by one channel per instance mask, all in [-1, 1]. The image and each
mask go through their own encoder; the masks' features are summed (an order-free set feature). The
image decoder reads [image feature, set feature]; each mask's decoder reads [its feature, image
feature, set feature]. A mask that is -1 everywhere is no instance: it is skipped and echoed.

The set sum also runs over the batch dimension in the reference, so one call translates one image
(batch size 1), as the published test does.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .cyclegan import ResnetBlock, _pad
from .junyanz_norms import check_norm, conv_bias, make_norm


def present_masks(masks: torch.Tensor) -> list[int]:
    """Indices of the mask channels that hold an instance (any pixel above -1); the first if none does.

    The reference takes the mean of (mask + 1) over batch and pixels; the fallback forwards at least one.
    """
    mean = (masks + 1).mean(dim=(0, 2, 3))
    present = [i for i in range(masks.shape[1]) if mean[i] > 0]
    return present or ([0] if masks.shape[1] else [])


def _encoder(input_nc: int, ngf: int, n_blocks: int, norm: str, padding_type: str, use_dropout: bool) -> nn.Sequential:
    bias = conv_bias(norm)
    layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=bias), make_norm(norm, ngf), nn.ReLU(True)]
    for i in range(2):
        channels = ngf * 2**i
        layers += [nn.Conv2d(channels, channels * 2, 3, stride=2, padding=1, bias=bias), make_norm(norm, channels * 2), nn.ReLU(True)]
    layers += [ResnetBlock(ngf * 4, padding_type=padding_type, norm=norm, use_dropout=use_dropout) for _ in range(n_blocks)]
    return nn.Sequential(*layers)


def _decoder(output_nc: int, width: int, norm: str) -> nn.Sequential:
    """From 4*width channels (the concatenated features) up two stride-2 steps to `output_nc`, tanh."""
    bias = conv_bias(norm)
    layers: list[nn.Module] = []
    for i in range(2):
        channels = width * 2 ** (2 - i)
        layers += [
            nn.ConvTranspose2d(channels, channels // 2, 3, stride=2, padding=1, output_padding=1, bias=bias),
            make_norm(norm, channels // 2),
            nn.ReLU(True),
        ]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, output_nc, 7), nn.Tanh()]
    return nn.Sequential(*layers)


class ResnetSetGenerator(nn.Module):
    """InstaGAN's generator (``--netG set``: 9 residual blocks per encoder in the published files).

    forward(cat[image (input_nc), masks (k)]) -> cat[image (output_nc), translated masks (k)].
    Sides must be multiples of 4.
    """

    size_multiple = 4

    def __init__(
        self,
        *,
        input_nc: int = 3,
        output_nc: int = 3,
        ngf: int = 64,
        norm: str = "instance",
        use_dropout: bool = False,
        n_blocks: int = 9,
        padding_type: str = "reflect",
    ) -> None:
        super().__init__()
        check_norm(norm)
        _pad(padding_type)
        if n_blocks < 0:
            raise ValueError(f"n_blocks must be >= 0, got {n_blocks}")
        self.config = dict(
            input_nc=input_nc, output_nc=output_nc, ngf=ngf, norm=norm, use_dropout=use_dropout,
            n_blocks=n_blocks, padding_type=padding_type,
        )
        self.input_nc = input_nc
        self.encoder_img = _encoder(input_nc, ngf, n_blocks, norm, padding_type, use_dropout)
        self.encoder_seg = _encoder(1, ngf, n_blocks, norm, padding_type, use_dropout)
        self.decoder_img = _decoder(output_nc, 2 * ngf, norm)  # reads [image, set]: 8*ngf channels
        self.decoder_seg = _decoder(1, 3 * ngf, norm)  # reads [mask, image, set]: 12*ngf channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        image, masks = x[:, : self.input_nc], x[:, self.input_nc :]
        present = present_masks(masks)
        enc_img = self.encoder_img(image)
        enc_masks = torch.cat([self.encoder_seg(masks[:, i : i + 1]) for i in present]) if present else None
        if enc_masks is None:
            raise ValueError("InstaGAN needs at least one mask channel after the image")
        set_feature = enc_masks.sum(dim=0, keepdim=True)  # sums over masks and batch, as the reference
        out = [self.decoder_img(torch.cat([enc_img, set_feature], dim=1))]
        which = {index: n for n, index in enumerate(present)}
        for i in range(masks.shape[1]):
            if i in which:
                feature = enc_masks[which[i]].unsqueeze(0)
                out.append(self.decoder_seg(torch.cat([feature, enc_img, set_feature], dim=1)))
            else:
                out.append(masks[:, i : i + 1])
        return torch.cat(out, dim=1)


class RefSpectralNorm(nn.Module):
    """Spectral normalisation as the InstaGAN reference writes it (keys ``module.weight_bar/_u/_v``).

    Every forward, in training and evaluation alike, runs one power-iteration step that updates u and v
    in place, then divides the weight by u . W v. Kept exactly so that discriminator scores match.
    """

    def __init__(self, conv: nn.Conv2d, power_iterations: int = 1) -> None:
        super().__init__()
        self.module = conv
        self.power_iterations = power_iterations
        weight = conv.weight
        height = weight.shape[0]
        del conv._parameters["weight"]
        conv.register_parameter("weight_u", nn.Parameter(F.normalize(weight.new_empty(height).normal_(), dim=0, eps=1e-12), requires_grad=False))
        conv.register_parameter("weight_v", nn.Parameter(F.normalize(weight.new_empty(weight[0].numel()).normal_(), dim=0, eps=1e-12), requires_grad=False))
        conv.register_parameter("weight_bar", nn.Parameter(weight.data))

    @staticmethod
    def _l2(v: torch.Tensor) -> torch.Tensor:
        return v / (v.norm() + 1e-12)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = self.module
        w = conv.weight_bar
        flat = w.view(w.shape[0], -1)
        with torch.no_grad():
            for _ in range(self.power_iterations):
                conv.weight_v.data = self._l2(torch.mv(flat.data.t(), conv.weight_u.data))
                conv.weight_u.data = self._l2(torch.mv(flat.data, conv.weight_v.data))
        sigma = conv.weight_u.dot(flat.mv(conv.weight_v))
        return F.conv2d(x, w / sigma, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups)


def _sn_conv(cin: int, cout: int, stride: int, bias: bool = True) -> RefSpectralNorm:
    return RefSpectralNorm(nn.Conv2d(cin, cout, 4, stride=stride, padding=1, bias=bias))


class NLayerSetDiscriminator(nn.Module):
    """InstaGAN's discriminator (``--netD set``): PatchGAN features of the image and of each mask, the
    masks' features summed, a two-conv classifier on [image, set] -> one score map. Spectral norm on
    every conv."""

    def __init__(self, *, input_nc: int = 3, ndf: int = 64, n_layers: int = 3, norm: str = "instance", use_sigmoid: bool = False) -> None:
        super().__init__()
        check_norm(norm)
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1, got {n_layers}")
        self.config = dict(input_nc=input_nc, ndf=ndf, n_layers=n_layers, norm=norm, use_sigmoid=use_sigmoid)
        self.input_nc = input_nc
        self.feature_img = self._features(input_nc, ndf, n_layers, norm)
        self.feature_seg = self._features(1, ndf, n_layers, norm)
        width = 2 * ndf
        before, after = min(2 ** (n_layers - 1), 8), min(2**n_layers, 8)
        layers: list[nn.Module] = [
            _sn_conv(width * before, width * after, 1), make_norm(norm, width * after), nn.LeakyReLU(0.2, True),
            _sn_conv(width * after, 1, 1),
        ]
        if use_sigmoid:
            layers.append(nn.Sigmoid())
        self.classifier = nn.Sequential(*layers)

    @staticmethod
    def _features(input_nc: int, ndf: int, n_layers: int, norm: str) -> nn.Sequential:
        layers: list[nn.Module] = [_sn_conv(input_nc, ndf, 2), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2**n, 8)
            layers += [_sn_conv(ndf * prev, ndf * mult, 2, bias=conv_bias(norm)), make_norm(norm, ndf * mult), nn.LeakyReLU(0.2, True)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        image, masks = x[:, : self.input_nc], x[:, self.input_nc :]
        present = present_masks(masks)
        if not present:
            raise ValueError("InstaGAN's discriminator needs at least one mask channel after the image")
        set_feature = torch.stack([self.feature_seg(masks[:, i : i + 1]) for i in present]).sum(dim=0)
        return self.classifier(torch.cat([self.feature_img(image), set_feature], dim=1))
