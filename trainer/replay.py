"""The replay buffer of generated images (Shrivastava et al.; CycleGAN's ImagePool)."""
from __future__ import annotations

from typing import Any

import torch


class ReplayBuffer:
    """Holds up to `capacity` past fakes; D sees a mix of new and old ones.

    Until full, every new image is stored and returned. Afterwards each new
    image, with probability 1/2, is swapped with a random stored one (the old
    one is returned), otherwise returned as is. Its own generator makes the
    choice reproducible and part of the checkpoint.
    """

    def __init__(self, capacity: int = 50, seed: int = 0) -> None:
        self.capacity = capacity
        self.images: list[torch.Tensor] = []
        self.generator = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.capacity == 0:
            return images
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.capacity:
                self.images.append(image.clone())
                out.append(image)
            elif float(torch.rand((), generator=self.generator)) > 0.5:
                slot = int(torch.randint(0, self.capacity, (1,), generator=self.generator))
                out.append(self.images[slot].clone())
                self.images[slot] = image.clone()
            else:
                out.append(image)
        return torch.cat(out, 0)

    def state_dict(self) -> dict[str, Any]:
        return {"images": [t.cpu() for t in self.images], "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any], device: torch.device) -> None:
        self.images = [t.to(device) for t in state["images"]]
        self.generator.set_state(state["generator"])
