"""Turn sentences into pictures with a text-to-image model (GAN-INT-CLS, GigaGAN-style).

A model with the `text_input` capability offers `vocabulary`, `max_words`, `z_dim`,
`embed(tokens)` and `synthesize(z, embedding)`. A prompt is tokenised with the
model's own vocabulary (from its file); words it does not know are reported in the
result's `unknown`, never an error: the rest of the sentence still counts. Sentence
embeddings are cached per text, so moving the interpolation slider or the seed only
re-runs the generator. Sample k of a grid uses z = RandomState(seed + k).randn(z_dim),
as the latent explorer draws seeds.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch

from ganstudio import families
from ganstudio.models.text_encoder import UNKNOWN, encode, pad_ids

from .describe_spec import MAX_SAMPLES, MAX_SEED, DescribeJob
from .jobs import Job
from .painting import to_uint8_image
from .session import RunContext, Session


def z_for_seeds(seed: int, count: int, z_dim: int) -> np.ndarray:
    """[count, z_dim] float32: sample k from RandomState((seed + k) mod 2**32)."""
    return np.stack([np.random.RandomState((int(seed) + k) % (MAX_SEED + 1)).randn(z_dim) for k in range(count)]).astype(np.float32)


class DescribeSession(Session):
    cache_size = 32  # sentence embeddings are small; typing produces many

    @property
    def generator(self) -> torch.nn.Module:
        if self.model is None:
            raise ValueError("no model is loaded")
        if "text_input" not in self.model.loaded.capabilities:
            raise ValueError(f"a {self.model.loaded.arch} model does not take text; {families.needs_message('describe')}")
        return self.model.module

    def embedding(self, text: str) -> tuple[torch.Tensor, list[str], bool]:
        """([1, text_dim] on the device, unknown words, whether the sentence was cut)."""
        gen = self.generator
        encoded = encode(text, gen.vocabulary, gen.max_words)

        def compute() -> torch.Tensor:
            tokens = pad_ids([encoded.ids], gen.max_words).to(self.runtime.device)
            return gen.embed(tokens).float()

        return self.cached("embedding", text, compute), encoded.unknown, encoded.truncated

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        assert isinstance(job, DescribeJob)
        gen = self.generator
        count = int(job.count)
        if not 1 <= count <= MAX_SAMPLES:
            raise ValueError(f"the grid holds 1 to {MAX_SAMPLES} samples, not {count}")
        emb, unknown, truncated = self.embedding(job.prompt)
        mix = float(job.mix)
        if job.other and mix > 0:
            other, unknown_other, cut_other = self.embedding(job.other)
            emb = (1.0 - mix) * emb + mix * other
            unknown = list(dict.fromkeys(unknown + unknown_other))
            truncated = truncated or cut_other
        z = z_for_seeds(job.seed, count, gen.z_dim)
        ctx.check()
        images = gen.synthesize(torch.from_numpy(z).to(self.runtime.device), emb.expand(count, -1))
        return {
            "images": np.stack([to_uint8_image(images[k:k + 1]) for k in range(count)]),
            "latents": z,
            "unknown": unknown,
            "truncated": truncated,
            # no word of the prompt is known: the picture shows the model's idea of "anything"
            "empty": not any(i != UNKNOWN for i in encode(job.prompt, gen.vocabulary, gen.max_words).ids),
        }
