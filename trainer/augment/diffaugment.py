"""DiffAugment (Zhao et al. 2020): colour, translation and cutout, differentiable, applied to
real and generated images alike wherever the discriminator sees them (and in G's step too)."""
from __future__ import annotations

import torch

POLICIES = ("color", "translation", "cutout")


def parse_policy(text: str | None) -> tuple[str, ...]:
    """'color,translation,cutout' -> the ops, in the paper's order; '' or None -> none."""
    names = tuple(t.strip() for t in (text or "").split(",") if t.strip())
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise ValueError(f"--diffaugment: unknown operation {', '.join(unknown)}; choose from {', '.join(POLICIES)}")
    return tuple(p for p in POLICIES if p in names)


def _draw(kind: str, n: int, tile: int, device: torch.device, low: int = 0, high: int = 1) -> torch.Tensor:
    """n values, one per image; with `tile`, n / tile values repeated: images i, i + n/tile, ... get the same."""
    count = n // tile
    values = torch.rand(count, device=device) if kind == "rand" else torch.randint(low, high, (count,), device=device)
    return values.repeat(tile)


def color(x: torch.Tensor, tile: int = 1) -> torch.Tensor:
    """Brightness ±0.5, saturation ×[0, 2), contrast ×[0.5, 1.5), each per image (images in [-1, 1])."""
    def per_image() -> torch.Tensor:
        return _draw("rand", x.shape[0], tile, x.device).to(x.dtype).view(-1, 1, 1, 1)

    x = x + (per_image() - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (per_image() * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (per_image() + 0.5) + mean


def _shift_indices(n: int, size: int, shift: torch.Tensor, device: torch.device) -> torch.Tensor:
    """[n, size] source index of every output position for an integer shift per image."""
    return torch.arange(size, device=device)[None, :] - shift[:, None]


def translate(x: torch.Tensor, aligned: tuple[torch.Tensor, ...], ratio: float = 0.125, tile: int = 1) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """Shift each image by up to ratio of its size; the image is zero-filled where it left, aligned
    maps (label maps, conditions) move by the same amount and repeat their border instead, so every
    pixel keeps a valid label."""
    n, _, h, w = x.shape
    sy = _draw("int", n, tile, x.device, -int(h * ratio + 0.5), int(h * ratio + 0.5) + 1)
    sx = _draw("int", n, tile, x.device, -int(w * ratio + 0.5), int(w * ratio + 0.5) + 1)
    ys, xs = _shift_indices(n, h, sy, x.device), _shift_indices(n, w, sx, x.device)
    inside = ((ys >= 0) & (ys < h))[:, :, None] & ((xs >= 0) & (xs < w))[:, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None]

    def gather(t: torch.Tensor) -> torch.Tensor:
        yy, xx = ys.clamp(0, t.shape[2] - 1)[:, :, None], xs.clamp(0, t.shape[3] - 1)[:, None, :]
        return t.permute(0, 2, 3, 1)[batch, yy, xx].permute(0, 3, 1, 2)

    moved = gather(x) * inside[:, None].to(x.dtype)
    return moved, tuple(gather(t) if t.dim() == 4 else gather(t[:, None])[:, 0] for t in aligned)


def cutout(x: torch.Tensor, ratio: float = 0.5, tile: int = 1) -> torch.Tensor:
    """Zero a square of half the image size at a random place (it may leave the image)."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = _draw("int", n, tile, x.device, 0, h + (1 - ch % 2))
    ox = _draw("int", n, tile, x.device, 0, w + (1 - cw % 2))
    ys = torch.arange(h, device=x.device)[None, :] - oy[:, None] + ch // 2
    xs = torch.arange(w, device=x.device)[None, :] - ox[:, None] + cw // 2
    hole = ((ys >= 0) & (ys < ch))[:, :, None] & ((xs >= 0) & (xs < cw))[:, None, :]
    return x * (~hole)[:, None].to(x.dtype)


class DiffAugment:
    """`augment(image, *aligned, tile=1)`: colour on the image only; translation moves the image
    and the aligned maps together; cutout on the image only. Returns the image, or (image, *aligned).
    With `tile` k, the batch is k equal groups (e.g. fakes then reals) that get the same draws, for
    losses that compare D's outputs on them position by position (feature matching, LabelMix)."""

    def __init__(self, policy: tuple[str, ...] | str) -> None:
        self.policy = parse_policy(policy) if isinstance(policy, str) else tuple(policy)

    def __bool__(self) -> bool:
        return bool(self.policy)

    def __call__(self, image: torch.Tensor, *aligned: torch.Tensor, tile: int = 1) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if image.shape[0] % tile:
            raise ValueError(f"a batch of {image.shape[0]} images does not split into {tile} equal groups")
        if "color" in self.policy:
            image = color(image, tile)
        if "translation" in self.policy:
            image, aligned = translate(image, aligned, tile=tile)
        if "cutout" in self.policy:
            image = cutout(image, tile=tile)
        return (image, *aligned) if aligned else image
