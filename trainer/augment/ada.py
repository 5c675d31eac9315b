"""Adaptive discriminator augmentation (Karras et al. 2020, "Training Generative Adversarial
Networks with Limited Data").

`AugmentPipe` applies, each with probability p times its multiplier and independently per
image, the paper's pixel blitting (x-flip, 90° rotations, integer translation), general
geometry (isotropic scaling, rotation before and after anisotropic scaling, anisotropic
scaling, fractional translation) and colour transforms (brightness, contrast, luma flip, hue,
saturation), in that order and with the reference implementation's parameter ranges.
Geometry is one composed inverse transform sampled bilinearly with reflection at the borders
(the reference also upsamples 2x with a wavelet filter against aliasing; we do not, which is
cheaper on a CPU and keeps every output a convex combination of input pixels). Everything is
differentiable with respect to the images, twice (R1 differentiates through it).

`AdaptiveAugment` holds p and moves it from the overfitting heuristic
r_t = E[sign(D(real))]: every `interval` iterations p changes by sign(r_t - target) times
images seen / (ada_kimg * 1000), so it can travel from 0 to 1 in ada_kimg thousand images.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F

# multipliers per operation, as the reference's presets name them
_BLIT = {"xflip": 1.0, "rotate90": 1.0, "xint": 1.0}
_GEOM = {"scale": 1.0, "rotate": 1.0, "aniso": 1.0, "xfrac": 1.0}
_COLOR = {"brightness": 1.0, "contrast": 1.0, "lumaflip": 1.0, "hue": 1.0, "saturation": 1.0}
PIPELINES: dict[str, dict[str, float]] = {
    "blit": _BLIT, "geom": _GEOM, "color": _COLOR,
    "bg": {**_BLIT, **_GEOM}, "bgc": {**_BLIT, **_GEOM, **_COLOR},
}

# parameter ranges of the reference implementation
XINT_MAX = 0.125  # integer translation, fraction of the image size
SCALE_STD = 0.2  # log2 std of isotropic scaling
ROTATE_MAX = 1.0  # rotation range, 1 = full circle
ANISO_STD = 0.2  # log2 std of anisotropic scaling
XFRAC_STD = 0.125  # fractional translation std, fraction of the image size
BRIGHTNESS_STD = 0.2
CONTRAST_STD = 0.5  # log2
HUE_MAX = 1.0  # 1 = full circle
SATURATION_STD = 1.0  # log2


def _eye(n: int, size: int, device: torch.device) -> torch.Tensor:
    return torch.eye(size, device=device).expand(n, size, size).clone()


def _scale2d(sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
    m = _eye(sx.shape[0], 3, sx.device)
    m[:, 0, 0], m[:, 1, 1] = sx, sy
    return m


def _translate2d(tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    m = _eye(tx.shape[0], 3, tx.device)
    m[:, 0, 2], m[:, 1, 2] = tx, ty
    return m


def _rotate2d(theta: torch.Tensor) -> torch.Tensor:
    m = _eye(theta.shape[0], 3, theta.device)
    c, s = theta.cos(), theta.sin()
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, -s, s, c
    return m


def _rotate3d(axis: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """4x4 rotation by theta about the unit vector `axis` (Rodrigues)."""
    n = theta.shape[0]
    x, y, z = axis[0], axis[1], axis[2]
    c, s = theta.cos(), theta.sin()
    cc = 1 - c
    m = _eye(n, 4, theta.device)
    m[:, 0, 0], m[:, 0, 1], m[:, 0, 2] = x * x * cc + c, x * y * cc - z * s, x * z * cc + y * s
    m[:, 1, 0], m[:, 1, 1], m[:, 1, 2] = y * x * cc + z * s, y * y * cc + c, y * z * cc - x * s
    m[:, 2, 0], m[:, 2, 1], m[:, 2, 2] = z * x * cc - y * s, z * y * cc + x * s, z * z * cc + c
    return m


class AugmentPipe:
    """The ADA pipeline; `pipe(images, p)` augments a batch [N, C, H, W] (C = 3 or 1) in [-1, 1]."""

    def __init__(self, pipeline: str = "bgc") -> None:
        if pipeline not in PIPELINES:
            raise ValueError(f"unknown augmentation pipeline {pipeline!r}; choose from {', '.join(PIPELINES)}")
        self.pipeline = pipeline
        self.multipliers = PIPELINES[pipeline]

    def _chosen(self, name: str, p: float, shape: tuple[int, ...], device: torch.device) -> torch.Tensor | None:
        """Which images get operation `name` (a bool mask of `shape`), or None when it is off."""
        strength = self.multipliers.get(name, 0.0) * p
        if strength <= 0:
            return None
        return torch.rand(shape, device=device) < strength

    def __call__(self, images: torch.Tensor, p: float) -> torch.Tensor:
        if p <= 0:
            return images
        n, channels, height, width = images.shape
        dev = images.device
        ones, zeros = torch.ones(n, device=dev), torch.zeros(n, device=dev)

        # Geometry: G_inv maps an output pixel (centred pixel units) to where it is read from.
        g_inv = _eye(n, 3, dev)
        geometric = False
        if (m := self._chosen("xflip", p, (n,), dev)) is not None:
            flip = torch.where(m, torch.randint(0, 2, (n,), device=dev).float(), zeros)
            g_inv, geometric = g_inv @ _scale2d(1 - 2 * flip, ones), True
        if (m := self._chosen("rotate90", p, (n,), dev)) is not None:
            quarter = torch.where(m, torch.randint(0, 4, (n,), device=dev).float(), zeros)
            g_inv, geometric = g_inv @ _rotate2d(-math.pi / 2 * quarter), True
        if (m := self._chosen("xint", p, (n, 1), dev)) is not None:
            t = torch.where(m, (torch.rand(n, 2, device=dev) * 2 - 1) * XINT_MAX, torch.zeros(n, 2, device=dev))
            g_inv, geometric = g_inv @ _translate2d(torch.round(t[:, 0] * width), torch.round(t[:, 1] * height)), True
        if (m := self._chosen("scale", p, (n,), dev)) is not None:
            s = torch.where(m, torch.exp2(torch.randn(n, device=dev) * SCALE_STD), ones)
            g_inv, geometric = g_inv @ _scale2d(1 / s, 1 / s), True
        rotate = self.multipliers.get("rotate", 0.0) * p
        # rotation happens before and after the anisotropic scaling, each with the probability
        # that makes "at least one of them" happen with probability rotate * p
        p_rot = 1 - math.sqrt(max(0.0, min(1.0, 1 - rotate)))
        if rotate > 0:
            theta = torch.where(torch.rand(n, device=dev) < p_rot, (torch.rand(n, device=dev) * 2 - 1) * math.pi * ROTATE_MAX, zeros)
            g_inv, geometric = g_inv @ _rotate2d(-theta), True
        if (m := self._chosen("aniso", p, (n,), dev)) is not None:
            s = torch.where(m, torch.exp2(torch.randn(n, device=dev) * ANISO_STD), ones)
            g_inv, geometric = g_inv @ _scale2d(1 / s, s), True
        if rotate > 0:
            theta = torch.where(torch.rand(n, device=dev) < p_rot, (torch.rand(n, device=dev) * 2 - 1) * math.pi * ROTATE_MAX, zeros)
            g_inv, geometric = g_inv @ _rotate2d(-theta), True
        if (m := self._chosen("xfrac", p, (n, 1), dev)) is not None:
            t = torch.where(m, torch.randn(n, 2, device=dev) * XFRAC_STD, torch.zeros(n, 2, device=dev))
            g_inv, geometric = g_inv @ _translate2d(t[:, 0] * width, t[:, 1] * height), True
        if geometric:
            images = self._resample(images, g_inv)

        # Colour: C maps homogeneous RGB in to RGB out.
        c = _eye(n, 4, dev)
        colour = False
        luma = torch.tensor([1.0, 1.0, 1.0, 0.0], device=dev) / math.sqrt(3)
        luma_outer = torch.outer(luma, luma)
        if (m := self._chosen("brightness", p, (n,), dev)) is not None:
            b = torch.where(m, torch.randn(n, device=dev) * BRIGHTNESS_STD, zeros)
            t = _eye(n, 4, dev)
            t[:, 0, 3], t[:, 1, 3], t[:, 2, 3] = b, b, b
            c, colour = t @ c, True
        if (m := self._chosen("contrast", p, (n,), dev)) is not None:
            k = torch.where(m, torch.exp2(torch.randn(n, device=dev) * CONTRAST_STD), ones)
            t = _eye(n, 4, dev)
            t[:, 0, 0], t[:, 1, 1], t[:, 2, 2] = k, k, k
            c, colour = t @ c, True
        if (m := self._chosen("lumaflip", p, (n, 1, 1), dev)) is not None:
            flip = torch.where(m, torch.randint(0, 2, (n, 1, 1), device=dev).float(), torch.zeros(n, 1, 1, device=dev))
            c, colour = (torch.eye(4, device=dev) - 2 * luma_outer * flip) @ c, True  # Householder reflection of luma
        if channels > 1 and (m := self._chosen("hue", p, (n,), dev)) is not None:
            theta = torch.where(m, (torch.rand(n, device=dev) * 2 - 1) * math.pi * HUE_MAX, zeros)
            c, colour = _rotate3d(luma, theta) @ c, True
        if channels > 1 and (m := self._chosen("saturation", p, (n, 1, 1), dev)) is not None:
            s = torch.where(m, torch.exp2(torch.randn(n, 1, 1, device=dev) * SATURATION_STD), torch.ones(n, 1, 1, device=dev))
            c, colour = (luma_outer + (torch.eye(4, device=dev) - luma_outer) * s) @ c, True
        if colour:
            c = c.to(images.dtype)
            flat = images.reshape(n, channels, height * width)
            if channels == 3:
                flat = c[:, :3, :3] @ flat + c[:, :3, 3:]
            elif channels == 1:
                gray = c[:, :3, :].mean(dim=1, keepdim=True)
                flat = flat * gray[:, :, :3].sum(dim=2, keepdim=True) + gray[:, :, 3:]
            else:
                raise ValueError(f"ADA colour transforms need 1 or 3 channels, got {channels}")
            images = flat.reshape(n, channels, height, width)
        return images

    @staticmethod
    def _resample(images: torch.Tensor, g_inv: torch.Tensor) -> torch.Tensor:
        """Read every output pixel from G_inv of its position, bilinearly, reflecting at the borders."""
        _, _, height, width = images.shape
        # centred pixel units <-> affine_grid's [-1, 1] coordinates (align_corners=False: pixel centres)
        to_norm = torch.diag(torch.tensor([2.0 / width, 2.0 / height, 1.0], device=images.device))
        to_pix = torch.diag(torch.tensor([width / 2.0, height / 2.0, 1.0], device=images.device))
        theta = (to_norm @ g_inv @ to_pix)[:, :2, :].to(images.dtype)
        grid = F.affine_grid(theta, list(images.shape), align_corners=False)
        return F.grid_sample(images, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


class AdaptiveAugment:
    """p and its controller. `observe(real_logits)` after each D pass on reals; `update(...)`
    once per iteration. Its state (p, the signs gathered since the last adjustment, the last
    r_t) goes into the training checkpoint, so a resumed run continues exactly."""

    def __init__(self, pipe: AugmentPipe, p: float = 0.0, target: float | None = 0.6, interval: int = 4, speed_kimg: float = 500.0) -> None:
        self.pipe = pipe
        self.p = float(p)
        self.target = target  # None: p stays fixed
        self.interval = interval
        self.speed_kimg = speed_kimg
        self.sign_sum = 0.0
        self.sign_count = 0
        self.rt: float | None = None
        self._pending: list[torch.Tensor] = []

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        return self.pipe(images, self.p)

    def observe(self, real_logits: torch.Tensor) -> None:
        if self.target is not None:
            # sum on the device, read back once per adjustment instead of every iteration
            self._pending.append(torch.stack([real_logits.detach().float().sign().sum(), torch.tensor(float(real_logits.numel()), device=real_logits.device)]))

    def _flush(self) -> None:
        if self._pending:
            total = torch.stack(self._pending).sum(0).cpu()
            self.sign_sum += float(total[0])
            self.sign_count += int(total[1])
            self._pending = []

    def update(self, iteration: int, images_per_iteration: int, world: bool = False) -> float | None:
        """After iteration `iteration` (0-based): every `interval` iterations move p; returns the r_t used, else None.
        `images_per_iteration` counts every process's images; with `world`, the signs are summed over processes."""
        if self.target is None or iteration % self.interval != 0:
            return None
        self._flush()
        stats = torch.tensor([self.sign_sum, float(self.sign_count)], dtype=torch.float64)
        if world and dist.is_available() and dist.is_initialized():
            device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")
            stats = stats.to(device)
            dist.all_reduce(stats)
            stats = stats.cpu()
        self.sign_sum, self.sign_count = 0.0, 0
        if stats[1] <= 0:
            return None
        self.rt = float(stats[0] / stats[1])
        step = images_per_iteration * self.interval / (self.speed_kimg * 1000)
        self.p = min(1.0, max(0.0, self.p + math.copysign(step, self.rt - self.target) if self.rt != self.target else self.p))
        return self.rt

    def state_dict(self) -> dict[str, Any]:
        self._flush()
        return {"p": self.p, "sign_sum": self.sign_sum, "sign_count": self.sign_count, "rt": self.rt}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.p = float(state["p"])
        self.sign_sum = float(state["sign_sum"])
        self.sign_count = int(state["sign_count"])
        self.rt = None if state.get("rt") is None else float(state["rt"])
        self._pending = []
