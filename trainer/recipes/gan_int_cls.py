"""GAN-INT-CLS (Reed et al. 2016): a DCGAN generator conditioned on a sentence embedding,
a matching-aware discriminator (real image + right text, real image + wrong text,
fake image + right text) and the interpolation term (G must fool D on embeddings
halfway between two captions).

The text encoder is ours, trained in the same run with a joint image-caption
embedding (a symmetric contrastive form of Reed et al.'s structured joint embedding)
against a small image embedder; the GAN sees its embeddings detached, as the paper's
GAN saw a fixed pre-trained encoder. --text-warmup trains the embedding alone first.
"""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from ganstudio.models.gan_int_cls import ImageEmbedder, MatchingDiscriminator, TextToImageGenerator

from .. import losses
from ..checkpoint import InitMismatch, check_meta, copy_weights
from ..data.captioned import CaptionedDataset
from ..loop import cli_run
from ..options import add_common_arguments
from ..recipe import Recipe, make_transform, set_requires_grad

DESCRIPTION = """Train GAN-INT-CLS (text to image) on captioned images.
DATA holds captions.json and the images it names, as `ganstudio-train make-data
landscapes|faces DATA` writes them; images of held-out caption combinations are left
out unless --include-heldout. --resolution must be a power of two (64 in the paper).
The export holds the text encoder (with its vocabulary) and the generator."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_common_arguments(parser, resolution=64, batch=64, iters=60_000, lr=2e-4)
    add_text_arguments(parser)
    group = parser.add_argument_group("gan-int-cls")
    group.add_argument("--z-dim", type=int, default=100, help="noise size (default 100)")
    group.add_argument("--proj-dim", type=int, default=128, help="projected text embedding joined to z and to D's features (default 128)")
    group.add_argument("--ngf", type=int, default=64, help="generator width (default 64)")
    group.add_argument("--ndf", type=int, default=64, help="discriminator width (default 64)")
    group.add_argument("--lambda-int", type=float, default=1.0, help="weight of the interpolation term (GAN-INT; 0: GAN-CLS) (default 1)")
    group.add_argument("--int-beta", type=float, default=0.5, help="where between two captions' embeddings the INT term samples (default 0.5)")
    group.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5)")


def add_text_arguments(parser: argparse.ArgumentParser) -> None:
    """The text encoder's size and training (shared with the gigagan recipe)."""
    text = parser.add_argument_group("text encoder")
    text.add_argument("--word-dim", type=int, default=64, help="word embedding size (default 64)")
    text.add_argument("--text-channels", type=int, default=128, help="text encoder width (default 128)")
    text.add_argument("--text-dim", type=int, default=128, help="sentence embedding size (default 128)")
    text.add_argument("--max-words", type=int, default=48, help="longest caption in words; longer ones are cut (default 48)")
    text.add_argument("--text-lr", type=float, default=1e-3, help="learning rate of the joint embedding (default 1e-3)")
    text.add_argument("--temperature", type=float, default=0.1, help="temperature of the joint embedding's softmax (default 0.1)")
    text.add_argument("--text-warmup", type=int, default=0, help="iterations that train the joint embedding alone first (default 0)")
    text.add_argument("--include-heldout", action="store_true", help="train on the held-out caption combinations too")


def joint_embedding_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, temperature: float) -> torch.Tensor:
    """Each image should pick its own caption among the batch's, and each caption its own image.
    Captions with the same facts in a batch are near-duplicates; they pull the same way, so the
    loss only floors higher, it does not mislead."""
    logits = image_emb @ text_emb.t() / temperature
    target = torch.arange(len(logits), device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))


class TextRecipe(Recipe):
    """What the text-to-image recipes share: captioned data, our text encoder and its joint embedding."""

    def build_dataset(self) -> CaptionedDataset:
        a = self.args
        return CaptionedDataset(a.data, make_transform(a, jitter=False), a.max_words, a.include_heldout)

    def text_step(self, x: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of the joint embedding; returns (its loss, the caption embeddings, detached)."""
        self.optimizers["text"].zero_grad(set_to_none=True)
        emb_t = self.train_nets["T"](tokens)
        emb_i = self.train_nets["E"](x)
        loss = joint_embedding_loss(emb_i, emb_t, self.args.temperature)
        self.rt.backward(loss)
        self.rt.step(self.optimizers["text"])
        return loss, emb_t.detach()

    def fixed_noise(self, n: int, z_dim: int, device: torch.device, offset: int = 0) -> torch.Tensor:
        return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(1234 + offset)).to(device)

    def _generate(self, tokens: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """Images for captions `tokens` from the fixed noise draw `offset` (the same at every sample)."""
        raise NotImplementedError

    def sample(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        """Each row: a real image, then two draws for its caption."""
        x, tokens = batch["image"], batch["tokens"]
        return torch.stack([x, self._generate(tokens), self._generate(tokens, 1)], 1).flatten(0, 1), 3

    def evaluation_pair(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        return self._generate(batch["tokens"]), batch["image"]

    def export(self) -> tuple[nn.Module, dict[str, nn.Module], dict[str, Any]]:
        return self.model, {}, {"resolution": self.args.resolution}

    def init_expectations(self) -> dict[str, Any]:
        return {"resolution": self.args.resolution}

    def init_weights(self, path: str) -> list[str]:
        from ganstudio.checkpoints import load_model

        loaded = load_model(path)
        check_meta(loaded, self.init_expectations())
        if list(loaded.config.get("vocabulary", [])) != list(self.vocabulary):
            raise InitMismatch("--init: the file's vocabulary differs from this data's captions (word ids would not match)")
        copy_weights(loaded.module, self.model, f"main network ({loaded.arch})")
        return ["T", "G"]


class GanIntClsRecipe(TextRecipe):
    name = "gan_int_cls"
    loss_names = ("JE", "D_real", "D_wrong", "D_fake", "G_fake", "G_int")

    def build(self, dataset: CaptionedDataset) -> None:
        a = self.args
        self.vocabulary = dataset.vocabulary
        self.model = TextToImageGenerator(vocabulary=self.vocabulary, word_dim=a.word_dim, text_channels=a.text_channels,
                                          text_dim=a.text_dim, max_words=a.max_words, z_dim=a.z_dim, proj_dim=a.proj_dim,
                                          ngf=a.ngf, resolution=a.resolution)
        # the exported module is made of these two, so training them trains it
        self.nets["T"] = self.model.text
        self.nets["G"] = self.model.image
        self.nets["D"] = MatchingDiscriminator(text_dim=a.text_dim, proj_dim=a.proj_dim, ndf=a.ndf, resolution=a.resolution)
        self.nets["E"] = ImageEmbedder(text_dim=a.text_dim, resolution=a.resolution)
        betas = (a.beta1, 0.999)
        self.optimizers = {
            "G": torch.optim.Adam(self.nets["G"].parameters(), lr=a.lr, betas=betas),
            "D": torch.optim.Adam(self.nets["D"].parameters(), lr=a.lr, betas=betas),
            "text": torch.optim.Adam([*self.nets["T"].parameters(), *self.nets["E"].parameters()], lr=a.text_lr),
        }

    def train_step(self, batch: dict[str, torch.Tensor], iteration: int) -> dict[str, torch.Tensor]:
        a, n = self.args, self.train_nets
        x, tokens = batch["image"], batch["tokens"]
        je, e = self.text_step(x, tokens)
        if iteration < a.text_warmup:
            return {"JE": je}
        wrong = e.roll(1, 0)  # another image's caption
        z = torch.randn(len(x), a.z_dim, device=x.device)

        set_requires_grad(self.nets["D"], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with torch.no_grad(), self.rt.autocast():
            fake = self.nets["G"](z, e)
        with self.rt.autocast():
            d_real = losses.vanilla_gan(n["D"](self.augment_d(x), e), True)
            d_wrong = losses.vanilla_gan(n["D"](self.augment_d(x), wrong), False)
            d_fake = losses.vanilla_gan(n["D"](self.augment_d(fake), e), False)
        self.rt.backward(d_real + 0.5 * (d_wrong + d_fake))
        self.rt.step(self.optimizers["D"])

        set_requires_grad(self.nets["D"], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        between = a.int_beta * e + (1 - a.int_beta) * e.roll(2, 0)
        z_int = torch.randn(len(x), a.z_dim, device=x.device)
        with self.rt.autocast():
            g_fake = losses.vanilla_gan(n["D"](self.augment_d(n["G"](z, e)), e), True)
            g_int = losses.vanilla_gan(n["D"](self.augment_d(n["G"](z_int, between)), between), True) if a.lambda_int else torch.zeros((), device=x.device)
        self.rt.backward(g_fake + a.lambda_int * g_int)
        self.rt.step(self.optimizers["G"])
        return {"JE": je, "D_real": d_real, "D_wrong": d_wrong, "D_fake": d_fake, "G_fake": g_fake, "G_int": g_int}

    def _generate(self, tokens: torch.Tensor, offset: int = 0) -> torch.Tensor:
        z = self.fixed_noise(len(tokens), self.args.z_dim, tokens.device, offset)
        return self.nets["G"](z, self.nets["T"](tokens))


def run(args: argparse.Namespace) -> int:
    return cli_run(GanIntClsRecipe, args)
