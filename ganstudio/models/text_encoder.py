"""A small word-level text encoder of our own, and the tokenisation every text-to-image model shares.

No published encoder is used (nothing may be downloaded): the trainer learns this one
with a joint image-caption embedding objective (Reed et al. 2016, a symmetric
contrastive form of it). The vocabulary is a constructor argument, so a model file's
config carries it and the app tokenises a prompt exactly as the trainer did.

Words are embedded, two 1-D convolutions (kernel 3) give each word its neighbours'
context ("water on the left" vs "trees on the left"), and a masked mean and max over
the words, projected and normalised, is the sentence embedding. Padding is masked out
and convolutions zero-pad, so a sentence's embedding does not depend on how long the
other sentences of its batch are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, UNKNOWN = 0, 1  # token ids before the vocabulary's own words
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def tokenize(text: str) -> list[str]:
    """Lower-case words (hyphenated words kept whole); everything else separates them."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Encoded:
    """A sentence as token ids, and the words the vocabulary does not know (ids UNKNOWN)."""

    ids: list[int]
    unknown: list[str]
    truncated: bool


def encode(text: str, vocabulary: Sequence[str], max_words: int) -> Encoded:
    """Token ids of `text` (at most max_words; unknown words become UNKNOWN, reported, never an error)."""
    index = {w: i + 2 for i, w in enumerate(vocabulary)}
    words = tokenize(text)
    ids = [index.get(w, UNKNOWN) for w in words]
    unknown = [w for w in words if w not in index]
    return Encoded(ids[:max_words], list(dict.fromkeys(unknown)), len(ids) > max_words)


def pad_ids(rows: Sequence[Sequence[int]], max_words: int) -> torch.Tensor:
    """[N, max_words] int64, PAD after each row's ids."""
    out = torch.full((len(rows), max_words), PAD, dtype=torch.long)
    for i, ids in enumerate(rows):
        ids = list(ids)[:max_words]
        if ids:
            out[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
    return out


def build_vocabulary(sentences: Sequence[str]) -> list[str]:
    """Every word of `sentences`, sorted (so the same captions give the same ids)."""
    return sorted({w for s in sentences for w in tokenize(s)})


class TextEncoder(nn.Module):
    """Token ids [N, L] -> unit-length sentence embeddings [N, text_dim]."""

    def __init__(self, *, vocabulary: Sequence[str], word_dim: int = 64, channels: int = 128, text_dim: int = 128,
                 max_words: int = 48) -> None:
        super().__init__()
        self.config = {"vocabulary": list(vocabulary), "word_dim": word_dim, "channels": channels, "text_dim": text_dim,
                       "max_words": max_words}
        self.vocabulary = list(vocabulary)
        self.max_words = max_words
        self.text_dim = text_dim
        self.embed = nn.Embedding(len(self.vocabulary) + 2, word_dim, padding_idx=PAD)
        self.conv1 = nn.Conv1d(word_dim, channels, 3, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, padding=1)
        self.out = nn.Linear(2 * channels, text_dim)

    def features(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(sentence embedding [N, text_dim], word features [N, L, channels] zero at padding, mask [N, L])."""
        mask = (tokens != PAD).unsqueeze(1).float()  # [N, 1, L]
        x = self.embed(tokens).transpose(1, 2) * mask
        x = F.leaky_relu(self.conv1(x), 0.2) * mask
        x = (F.leaky_relu(self.conv2(x), 0.2) + x) * mask
        count = mask.sum(2).clamp(min=1.0)
        mean = x.sum(2) / count
        top = x.masked_fill(mask == 0, -1e4).amax(2)
        top = torch.where(count > 0.5, top, torch.zeros_like(top))  # an empty sentence: zeros, not -1e4
        sentence = F.normalize(self.out(torch.cat([mean, top], 1)), dim=1)
        return sentence, x.transpose(1, 2), mask[:, 0]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.features(tokens)[0]

    def encode_texts(self, texts: Sequence[str]) -> tuple[torch.Tensor, list[Encoded]]:
        """Token ids [N, max_words] on this module's device, and what encoding each sentence found."""
        encoded = [encode(t, self.vocabulary, self.max_words) for t in texts]
        device = self.embed.weight.device
        return pad_ids([e.ids for e in encoded], self.max_words).to(device), encoded
