"""Building a network on the meta device (every load does) skips torch.nn.init's initialisers."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, torch
from ganstudio.models.registry import build_on_meta
gen = build_on_meta("gan_int_cls", {"vocabulary": ["a", "lake"], "word_dim": 8, "text_channels": 16, "text_dim": 16,
                                    "max_words": 8, "z_dim": 8, "proj_dim": 8, "ngf": 4, "resolution": 64, "img_channels": 3})
assert all(p.is_meta for p in gen.parameters())
print("dynamo" if "torch._dynamo" in sys.modules else "no dynamo")
"""


def test_an_embedding_built_on_meta_does_not_import_the_compiler() -> None:
    # nn.Embedding's init.normal_ passes its tensor by keyword; run on meta, torch's reference kernel
    # imports torch._dynamo on its first call: about 1.2 s of the text-to-image model's load at start-up
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "no dynamo"
