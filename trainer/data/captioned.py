"""Images with captions (make-data's captions.json) for the text-to-image recipes.

Each item is an image and one of its captions as token ids, the caption drawn with
the item's own seed (so a resume sees the same draws). A horizontal flip also swaps
the words "left" and "right", so the caption stays true to the flipped picture.
Only the "train" split is used unless asked: the held-out combinations of facts
stay unseen.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from PIL import Image

from ganstudio.models.text_encoder import build_vocabulary, encode, pad_ids
from trainer.synthetic.captions import read_captions

from .images import SkippingDataset, load_rgb, require_items, to_tensor_image
from .transforms import JointTransform


class CaptionedDataset(SkippingDataset):
    """DATA/captions.json + DATA/<images>/<file>: {"image": [3,R,R] in [-1,1], "tokens": [max_words] int64}."""

    def __init__(self, root: str | Path, transform: JointTransform, max_words: int, include_heldout: bool = False,
                 vocabulary: Sequence[str] | None = None) -> None:
        self.root = Path(root)
        doc = read_captions(str(self.root))
        folder = self.root / str(doc.get("images", "images"))
        self.items = [(folder / str(item["file"]), [str(c) for c in item["captions"]]) for item in doc["items"]
                      if (include_heldout or item.get("split") == "train") and item.get("captions") and (folder / str(item["file"])).is_file()]
        require_items(self.items, "captioned images", folder)
        self.kind = str(doc.get("kind", ""))
        self.vocabulary = list(vocabulary) if vocabulary is not None else build_vocabulary([c for _, cs in self.items for c in cs])
        self.transform, self.max_words = transform, max_words
        index = {w: i + 2 for i, w in enumerate(self.vocabulary)}
        self.swap = {index[a]: index[b] for a, b in (("left", "right"), ("right", "left")) if a in index and b in index}
        # token ids of every caption, once
        self.ids = [[encode(c, self.vocabulary, max_words).ids for c in captions] for _, captions in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def describe(self, index: int) -> str:
        return str(self.items[index][0])

    def load(self, index: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        path, _ = self.items[index]
        choices = self.ids[index]
        ids = list(choices[int(torch.randint(0, len(choices), (1,), generator=generator))])
        image = load_rgb(path)
        flipped = self.transform.flip and bool(torch.rand((), generator=generator) < 0.5)
        (image,), _ = JointTransform(self.transform.crop_size, self.transform.load_size, False, self.transform.center_crop)([image], [], generator)
        if flipped:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            ids = [self.swap.get(t, t) for t in ids]
        return {"image": to_tensor_image(image), "tokens": pad_ids([ids], self.max_words)[0]}
