"""A resumable, sharded, endless stream of (index, augmentation seed) keys."""
from __future__ import annotations

from typing import Iterator

from torch.utils.data import DistributedSampler, Sampler


class ResumableSampler(Sampler):
    """One epoch of a DistributedSampler (shuffled by seed + epoch, this rank's
    shard) starting `offset` samples in, each index paired with a seed derived
    from (seed, epoch, position) for its augmentation.

    The loop counts the batches it has consumed, so position (epoch, offset)
    is exact even while DataLoader workers prefetch ahead.
    """

    def __init__(self, dataset_size: int, rank: int, world_size: int, seed: int, epoch: int = 0, offset: int = 0) -> None:
        self.inner = DistributedSampler(range(dataset_size), num_replicas=world_size, rank=rank, shuffle=True, seed=seed, drop_last=True)
        self.seed = seed
        self.rank = rank
        self.epoch = epoch
        self.offset = offset
        self.inner.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.inner) - self.offset

    def __iter__(self) -> Iterator[tuple[int, int]]:
        indices = list(self.inner)
        base = (self.seed * 1_000_003 + self.epoch) * 1_000_003 + self.rank * 7_919
        for position in range(self.offset, len(indices)):
            yield indices[position], (base + position) % (2**63 - 1)

    @property
    def samples_per_epoch(self) -> int:
        return len(self.inner)
