"""Describe workspace benchmark: a typed sentence -> pictures, through the JobRunner as the worker runs it.

Times DescribeJobs for the bundled text-to-image models (resources/models, arch with the
`text_input` capability), or random-weight stand-ins of the bundled GAN-INT-CLS size
(ngf 32, 64 px) when none is there: a new sentence (text encoder + generator), the same
sentence with another seed (cached embedding: generator only), a blend between two
sentences, and grids of 1, 4 and 16 samples. Prints milliseconds per job (median).

    .venv/bin/python benchmarks/bench_describe.py [--device auto|cpu|cuda] [--repeats 7] [--threads 1]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def stand_in(folder: Path) -> Path:
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.gan_int_cls import TextToImageGenerator
    from trainer.synthetic.captions import captions_for, landscape_facts
    from trainer.synthetic.landscapes import render_batch
    from ganstudio.models.text_encoder import build_vocabulary

    labels, _ = render_batch(list(range(40)), [s * 7 + 3 for s in range(40)], 64)
    texts = [c for k, lab in enumerate(labels) for c in captions_for(landscape_facts(lab, "winter", "dusk"), "landscapes", k)]
    torch.manual_seed(0)
    net = TextToImageGenerator(vocabulary=build_vocabulary(texts), ngf=32, resolution=64)
    return save_model(net.eval(), folder / "stand-in-gan-int-cls.safetensors", resolution=64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    from ganstudio import families
    from ganstudio.engine.describe_spec import DescribeJob
    from ganstudio.engine.runner import JobRunner

    from safetensors import safe_open
    import json

    models = []
    for path in sorted((ROOT / "resources" / "models").glob("*.safetensors")):
        with safe_open(str(path), framework="np") as handle:
            arch = json.loads((handle.metadata() or {}).get("ganstudio", "{}")).get("arch")
        if "text_input" in families.capabilities(arch):
            models.append((path, "bundled"))
    tmp = tempfile.TemporaryDirectory()
    if not models:
        models.append((stand_in(Path(tmp.name)), "random-weight stand-in, bundled size"))
    runner = JobRunner(device=args.device, threads=args.threads)
    sentences = ["a snowy landscape at dusk with a lake on the left", "a summer valley during the day with many trees on the right"]
    for path, what in models:
        runner.run(DescribeJob(prompt="warm up", model_path=str(path)))
        cases = {
            "new sentence, 1 picture": lambda i: DescribeJob(prompt=f"{sentences[0]} {'and rocks ' * (i % 3)}{i}", model_path=str(path)),
            "same sentence, new seed, 1 picture": lambda i: DescribeJob(prompt=sentences[0], seed=i, model_path=str(path)),
            "blend of two sentences, 1 picture": lambda i: DescribeJob(prompt=sentences[0], other=sentences[1], mix=i / 10, model_path=str(path)),
            "grid of 4": lambda i: DescribeJob(prompt=sentences[0], seed=i, count=4, model_path=str(path)),
            "grid of 16": lambda i: DescribeJob(prompt=sentences[0], seed=i, count=16, model_path=str(path)),
        }
        print(f"{path.name} ({what}), device {args.device}, {args.threads} thread(s):")
        for name, make in cases.items():
            times = []
            for i in range(args.repeats):
                start = time.perf_counter()
                runner.run(make(i))
                times.append((time.perf_counter() - start) * 1000)
            print(f"  {name:38s} {statistics.median(times):7.1f} ms (median of {args.repeats})")
    tmp.cleanup()


if __name__ == "__main__":
    main()
