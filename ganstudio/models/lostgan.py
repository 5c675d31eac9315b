"""LostGAN-v2 generator (Sun & Wu, "Learning Layout and Style Reconfigurable GANs", 2019/2020): an image
from a layout of boxes, each with a class and its own latent, plus one latent for the whole scene.

Per object the style vector is w_o = [z_o, embedding(y_o)]. A mask network turns every w_o into a soft
16x16 shape that is pasted into its box on a 64x64 map; every residual stage normalises its features
with ISLA-Norm (batch statistics, then a per-pixel scale and shift averaged over the objects' masks) and
predicts class logits from which the next stage's masks are refined. Parameter names and shapes follow
WillSuen/LostGANs ``model/resnet_generator_v2.py`` so its state dicts load strictly.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import SpectralNormConv2d

# The published mask heads always predict the 184 COCO-Stuff logits, also for Visual Genome files.
MASK_LOGITS = 184


class SpectralNormLinear(nn.Module):
    """A linear layer with the key layout of torch's spectral_norm hook (bias, weight_orig, weight_u, weight_v)."""

    def __init__(self, in_features: int, out_features: int, eps: float = 1e-12) -> None:
        super().__init__()
        linear = nn.Linear(in_features, out_features)
        self.bias = nn.Parameter(linear.bias.detach().clone())
        self.weight_orig = nn.Parameter(linear.weight.detach().clone())
        self.register_buffer("weight_u", F.normalize(torch.randn(out_features), dim=0, eps=eps))
        self.register_buffer("weight_v", F.normalize(torch.randn(in_features), dim=0, eps=eps))
        self.eps = eps

    def weight(self) -> torch.Tensor:
        if self.training:
            with torch.no_grad():  # one power iteration per training forward, as the hook does
                self.weight_v.copy_(F.normalize(torch.mv(self.weight_orig.t(), self.weight_u), dim=0, eps=self.eps))
                self.weight_u.copy_(F.normalize(torch.mv(self.weight_orig, self.weight_v), dim=0, eps=self.eps))
            u, v = self.weight_u.clone(), self.weight_v.clone()
        else:
            u, v = self.weight_u, self.weight_v
        return self.weight_orig / torch.dot(u, torch.mv(self.weight_orig, v))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight(), self.bias)


def sn_conv(cin: int, cout: int, k: int, padding: int) -> SpectralNormConv2d:
    return SpectralNormConv2d(cin, cout, k, padding=padding)


def box_masks(bbox: torch.Tensor, size: int) -> torch.Tensor:
    """Hard masks [b, o, size, size] of boxes (x0, y0, w, h) in [0, 1]; pixel centres on linspace(0, 1)."""
    b, o, _ = bbox.shape
    grid = torch.linspace(0, 1, size, device=bbox.device, dtype=bbox.dtype)
    x0, y0, w, h = (bbox[..., i, None] for i in range(4))
    inside_x = ((grid - x0) / w >= 0) & ((grid - x0) / w <= 1)
    inside_y = ((grid - y0) / h >= 0) & ((grid - y0) / h <= 1)
    return (inside_y[..., :, None] & inside_x[..., None, :]).to(bbox.dtype)


def paste_masks(bbox: torch.Tensor, masks: torch.Tensor, size: int) -> torch.Tensor:
    """Each object's small mask [b, o, m, m] resampled into its box on a size x size map.

    The reference calls grid_sample without align_corners under PyTorch 1.0, which then meant
    align_corners=True (the default changed in 1.3); the published weights were trained with that.
    """
    b, o, m, _ = masks.shape
    grid1d = torch.linspace(0, 1, size, device=bbox.device, dtype=masks.dtype)
    flat = bbox.reshape(b * o, 4, 1).to(masks.dtype)
    gx = ((grid1d - flat[:, 0]) / flat[:, 2]) * 2 - 1  # [n, size]
    gy = ((grid1d - flat[:, 1]) / flat[:, 3]) * 2 - 1
    grid = torch.stack([gx[:, None, :].expand(-1, size, -1), gy[:, :, None].expand(-1, -1, size)], dim=3)
    out = F.grid_sample(masks.reshape(b * o, 1, m, m), grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    return out.view(b, o, size, size)


class MaskRegression(nn.Module):
    """w_o -> a soft 16x16 shape per object, pasted into its box on a 64x64 map."""

    def __init__(self, num_w: int, hidden: int = 256, map_size: int = 64) -> None:
        super().__init__()
        self.hidden = hidden
        self.map_size = map_size
        self.fc = SpectralNormLinear(num_w, hidden * 16)

        def stage(last: bool) -> nn.Sequential:
            layers: list[nn.Module] = [sn_conv(hidden, hidden, 3, 1), nn.InstanceNorm2d(hidden), nn.ReLU()]
            if last:
                layers += [sn_conv(hidden, 1, 1, 0), nn.Sigmoid()]
            return nn.Sequential(*layers)

        self.conv1, self.conv2, self.conv3 = stage(False), stage(False), stage(True)

    def forward(self, w: torch.Tensor, bbox: torch.Tensor) -> torch.Tensor:
        b, o, _ = bbox.shape
        x = self.conv1(self.fc(w).view(b * o, self.hidden, 4, 4))
        x = self.conv2(F.interpolate(x, size=8, mode="bilinear", align_corners=False))
        x = self.conv3(F.interpolate(x, size=16, mode="bilinear", align_corners=False))
        return paste_masks(bbox, x.view(b, o, 16, 16), self.map_size)


class ISLANorm(nn.Module):
    """Parameter-free batch norm, then gamma/beta per pixel: the mask-weighted mean of each object's projection."""

    def __init__(self, channels: int, num_w: int) -> None:
        super().__init__()
        self.weight_proj = SpectralNormLinear(num_w, channels, eps=1e-12)
        self.bias_proj = SpectralNormLinear(num_w, channels, eps=1e-12)
        self.batch_norm2d = nn.BatchNorm2d(channels, affine=False)

    def forward(self, x: torch.Tensor, w: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        out = self.batch_norm2d(x)
        b, o = masks.shape[:2]
        if masks.shape[2:] != x.shape[2:]:
            masks = F.interpolate(masks, size=x.shape[2:], mode="bilinear", align_corners=False)
        gamma = self.weight_proj(w).view(b, o, -1)
        beta = self.bias_proj(w).view(b, o, -1)
        total = masks.sum(dim=1)[:, None] + 1e-6  # [b, 1, h, w]
        gamma = torch.einsum("bohw,boc->bchw", masks, gamma) / total + 1
        beta = torch.einsum("bohw,boc->bchw", masks, beta) / total
        return gamma * out + beta


class PyramidPooling(nn.Module):
    """PSPNet pooling head (Zhao et al. 2017): pooled context at 1, 2, 3, 6 cells beside the features."""

    def __init__(self, channels: int, out_channels: int, sizes: tuple[int, ...] = (1, 2, 3, 6)) -> None:
        super().__init__()
        self.stages = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(s), nn.Conv2d(channels, out_channels, 1, bias=False),
                          nn.BatchNorm2d(out_channels), nn.ReLU())
            for s in sizes)
        self.bottleneck = nn.Sequential(
            nn.Conv2d(channels + len(sizes) * out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(), nn.Dropout2d(0.1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[2:]
        pooled = [F.interpolate(stage(x), size=size, mode="bilinear", align_corners=True) for stage in self.stages]
        return self.bottleneck(torch.cat(pooled + [x], 1))


class ISLAResBlock(nn.Module):
    """Up-sampling residual block normalised by ISLA-Norm; optionally predicts per-class mask logits."""

    def __init__(self, cin: int, cout: int, num_w: int, *, predict_mask: bool, psp: bool, head: int) -> None:
        super().__init__()
        self.conv1 = sn_conv(cin, cout, 3, 1)
        self.conv2 = sn_conv(cout, cout, 3, 1)
        self.b1 = ISLANorm(cin, num_w)
        self.b2 = ISLANorm(cout, num_w)
        self.c_sc = sn_conv(cin, cout, 1, 0)
        self.activation = nn.ReLU()
        self.conv_mask: nn.Module | None = None
        if predict_mask and psp:
            self.conv_mask = nn.Sequential(PyramidPooling(cout, head), nn.Conv2d(head, MASK_LOGITS, 1))
        elif predict_mask:
            self.conv_mask = nn.Sequential(nn.Conv2d(cout, head, 3, padding=1), nn.BatchNorm2d(head), nn.ReLU(),
                                           nn.Conv2d(head, MASK_LOGITS, 1))

    def forward(self, x: torch.Tensor, w: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.activation(self.b1(x, w, masks))
        h = self.conv1(F.interpolate(h, scale_factor=2, mode="nearest"))
        h = self.conv2(self.activation(self.b2(h, w, masks)))
        out = h + self.c_sc(F.interpolate(x, scale_factor=2, mode="nearest"))
        return out, (self.conv_mask(out) if self.conv_mask is not None else None)


class LostGANGenerator(nn.Module):
    """LostGAN-v2 generator at 128 or 256 px.

    forward(z_obj [b,o,z], bbox [b,o,4] as (x0, y0, w, h) in [0, 1], z_im [b,z], y [b,o] class ids) -> image
    in [-1, 1]; with ``return_masks`` also the per-object masks the last stage used ([b, o, size/2, size/2]).
    """

    def __init__(self, *, size: int = 128, ch: int = 64, num_classes: int = 184, z_dim: int = 128,
                 embed_dim: int = 180, mask_hidden: int = 256, mask_head: int = 100) -> None:
        super().__init__()
        if size not in (128, 256):
            raise ValueError(f"LostGAN-v2 is defined at 128 or 256 px, not {size}")
        self.config = dict(size=size, ch=ch, num_classes=num_classes, z_dim=z_dim, embed_dim=embed_dim,
                           mask_hidden=mask_hidden, mask_head=mask_head)
        self.size, self.z_dim = size, z_dim
        num_w = z_dim + embed_dim
        self.label_embedding = nn.Embedding(num_classes, embed_dim)
        self.fc = SpectralNormLinear(z_dim, 16 * ch * 16)
        widths = [16, 16, 8, 4, 2, 1] if size == 128 else [16, 16, 8, 8, 4, 2, 1]
        n = len(widths) - 1
        for i in range(n):
            block = ISLAResBlock(widths[i] * ch, widths[i + 1] * ch, num_w, predict_mask=i < n - 1,
                                 psp=size == 128 and i == 3, head=mask_head)
            self.add_module(f"res{i + 1}", block)
        self.final = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU(), sn_conv(ch, 3, 3, 1), nn.Tanh())
        self.mapping = nn.Sequential()  # empty in the published model; kept for the key layout's sake
        for i in range(n - 1):
            self.register_parameter(f"alpha{i + 1}", nn.Parameter(torch.zeros(1, MASK_LOGITS, 1)))
        self.mask_regress = MaskRegression(num_w, mask_hidden)
        self.n_blocks = n

    def styles(self, z_obj: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        b, o = y.shape
        return torch.cat([z_obj.reshape(b * o, -1), self.label_embedding(y).reshape(b * o, -1)], dim=1)

    def forward(self, z_obj: torch.Tensor, bbox: torch.Tensor, z_im: torch.Tensor, y: torch.Tensor,
                return_masks: bool = False):
        b, o = y.shape
        w = self.styles(z_obj, y)
        bmask = self.mask_regress(w, bbox)
        hard = box_masks(bbox.to(bmask.dtype), self.size // 2)
        x = self.fc(z_im).view(b, -1, 4, 4)
        x, logits = self.res1(x, w, bmask)
        masks = bmask
        index = y.view(b, o, 1, 1)
        for i in range(2, self.n_blocks + 1):
            size = x.shape[2:]
            picked = torch.gather(logits, 1, index.expand(-1, -1, *size))
            seman = torch.sigmoid(picked) * F.interpolate(hard, size=size, mode="nearest")
            alpha = torch.gather(torch.sigmoid(getattr(self, f"alpha{i - 1}")).expand(b, -1, -1), 1,
                                 y.view(b, o, 1)).unsqueeze(-1)
            masks = F.interpolate(bmask, size=size, mode="bilinear", align_corners=False) * (1 - alpha) + seman * alpha
            x, logits = getattr(self, f"res{i}")(x, w, masks)
        image = self.final(x)
        return (image, masks) if return_masks else image
