"""Probes of the kinds measured since the first policy: multimodal translators, text to image, a lone W encoder."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ganstudio.engine.model_cache import ModelCache
from ganstudio.engine.precision_probes import (
    companion_generator_path,
    probe_for,
    probe_sentences,
)
from ganstudio.models.text_encoder import UNKNOWN, encode

MODELS = Path(__file__).resolve().parents[2] / "resources" / "models"


def test_probe_sentences_use_only_the_models_words() -> None:
    vocabulary = ["a", "lake", "under", "snowy", "mountains", "at", "dusk", "with", "trees"]
    sentences = probe_sentences(vocabulary, count=2, words=4)
    assert len(set(sentences)) == 2
    for sentence in sentences:
        assert len(sentence.split()) == 4
        assert UNKNOWN not in encode(sentence, vocabulary, 48).ids


def test_a_w_encoder_is_measured_through_the_generator_beside_it(tmp_path: Path) -> None:
    encoder = tmp_path / "scenes-encoder.safetensors"
    shutil.copy(MODELS / "landscape-stylegan2-encoder.safetensors", encoder)
    assert companion_generator_path(str(encoder)) is None
    assert probe_for(ModelCache().get(encoder, "cpu")) is None  # codes alone: no levels to gate, the default stays
    shutil.copy(MODELS / "landscape-stylegan2.safetensors", tmp_path / "scenes.safetensors")
    assert companion_generator_path(str(encoder)) == str(tmp_path / "scenes.safetensors")
    probe = probe_for(ModelCache().get(encoder, "cpu"))
    assert probe is not None
    pictures = probe()
    assert len(pictures) == 2 and pictures[0].shape[-3:] == (3, 64, 64)
    assert all(p.min() >= -1 and p.max() <= 1 for p in pictures)


@pytest.mark.parametrize("name, count", [("landscape-bicyclegan", 3)])  # MUNIT runs in the bundled-model test
def test_a_multimodal_probe_converts_each_way_with_random_and_encoded_styles(name: str, count: int) -> None:
    probe = probe_for(ModelCache().get(MODELS / f"{name}.safetensors", "cpu"))
    assert probe is not None
    pictures = probe()
    # MUNIT: 2 directions x (2 random styles + 1 encoded); BicycleGAN: A->B only, its encoder joined
    assert len(pictures) == count
    assert any(abs(pictures[0] - p).mean() > 1e-3 for p in pictures[1:])  # the styles change the picture
