"""The encoder recipe: a tiny StyleGAN2 generator, a few iterations: losses fall, exact resume, the export."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import load_model, save_model
from ganstudio.models.stylegan2 import Generator
from trainer.loop import run_recipe
from trainer.recipes.encoder import EncoderRecipe, LatentSeeds

from train_helpers import parse


@pytest.fixture(scope="module")
def generator_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    g = Generator(z_dim=8, c_dim=0, w_dim=8, img_resolution=16, img_channels=3, mapping_kwargs={"num_layers": 2},
                  synthesis_kwargs={"channel_base": 64, "channel_max": 8}).eval()
    # a trained generator's w_avg is not zero; the encoder must carry it into its output
    with torch.no_grad():
        g.mapping.w_avg.copy_(g.mapping(torch.randn(256, 8), None, skip_w_avg_update=True)[:, 0].mean(0))
    return save_model(g, tmp_path_factory.mktemp("gen") / "tiny-stylegan2.safetensors", resolution=16, dtype=torch.float32)


def args(generator: Path, out: Path, *extra: str, iters: int = 4):
    return parse("encoder", ["--generator", str(generator), "--out", str(out), "--batch", "4", "--iters", str(iters),
                             "--channels", "4", "--channel-max", "8", "--head-channels", "4", "--lr", "2e-3",
                             "--sample-every", "0", "--no-progress", "--seed", "3", "--export-dtype", "float32", *extra])


def test_losses_fall_and_the_export_names_the_generator(generator_file: Path, tmp_path: Path) -> None:
    result = run_recipe(EncoderRecipe, args(generator_file, tmp_path / "run", "--log-every", "1", iters=60))
    rows = (tmp_path / "run" / "losses.csv").read_text().splitlines()
    header = rows[0].split(",")
    latent = [float(r.split(",")[header.index("latent")]) for r in rows[1:]]
    image = [float(r.split(",")[header.index("image")]) for r in rows[1:]]
    # noisy per batch: compare the means of the first and last ten iterations
    assert sum(latent[-10:]) < 0.8 * sum(latent[:10])
    assert sum(image[-10:]) < 0.8 * sum(image[:10])

    loaded = load_model(result.export_path)
    assert loaded.arch == "stylegan2_encoder"
    generator = load_model(generator_file).module
    assert loaded.config["num_ws"] == generator.num_ws and loaded.config["resolution"] == 16
    sha = hashlib.sha256(generator_file.read_bytes()).hexdigest()
    assert loaded.meta["provenance"]["generator"]["sha256"] == sha
    assert loaded.meta["provenance"]["generator"]["file"] == generator_file.name
    assert loaded.meta["provenance"]["recipe"] == "encoder" and loaded.meta["provenance"]["data"] is None
    assert torch.equal(loaded.module.w_avg, generator.mapping.w_avg)
    # absolute ws that the generator renders: [B, num_ws, w_dim]
    image_batch = generator(torch.randn(2, 8), None, noise_mode="const")
    with torch.no_grad():
        ws = loaded.module(image_batch)
    assert ws.shape == (2, generator.num_ws, 8)
    assert generator.synthesis(ws, noise_mode="const").shape == image_batch.shape


def test_resume_is_exact(generator_file: Path, tmp_path: Path) -> None:
    straight = run_recipe(EncoderRecipe, args(generator_file, tmp_path / "straight", iters=4))

    class Stop(BaseException):
        pass

    def kill_at_3(iteration: int) -> None:
        if iteration == 3:
            raise Stop

    killed = tmp_path / "killed"
    with pytest.raises(Stop):
        run_recipe(EncoderRecipe, args(generator_file, killed, "--checkpoint-every", "2", iters=4), on_iteration=kill_at_3)
    resumed = run_recipe(EncoderRecipe, args(generator_file, killed, "--checkpoint-every", "2", "--resume", iters=4))
    a, b = straight.recipe.nets["E"].state_dict(), resumed.recipe.nets["E"].state_dict()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert straight.final_losses == resumed.final_losses


def test_resume_with_another_generator_is_refused(generator_file: Path, tmp_path: Path) -> None:
    run_recipe(EncoderRecipe, args(generator_file, tmp_path / "run", iters=2))
    other = tmp_path / "other.safetensors"
    loaded = load_model(generator_file)
    with torch.no_grad():
        loaded.module.mapping.w_avg.add_(1)
    save_model(loaded, other, dtype=torch.float32)
    with pytest.raises(ValueError, match="another generator"):
        run_recipe(EncoderRecipe, args(other, tmp_path / "run", "--resume", iters=4))


def test_real_images_join_the_batch(generator_file: Path, tiny_data, tmp_path: Path) -> None:
    data = tiny_data("folder")  # 32 px photos, resized to the generator's 16
    result = run_recipe(EncoderRecipe, args(generator_file, tmp_path / "run", "--data", str(data), iters=2))
    assert "real_image" in result.final_losses and result.final_losses["real_image"] > 0
    assert load_model(result.export_path).meta["provenance"]["data"] == str(data.resolve())


def test_not_a_stylegan2_generator_is_refused(tmp_path: Path) -> None:
    from ganstudio.models.pix2pix import UnetGenerator

    path = save_model(UnetGenerator(ngf=2, num_downs=5), tmp_path / "p2p.safetensors")
    from trainer.recipes.encoder import run

    assert run(args(path, tmp_path / "run")) == 2


def test_generated_targets_follow_the_data_position() -> None:
    seeds = LatentSeeds(8)
    assert torch.equal(seeds[(5, 123)]["z"], seeds[(9, 123)]["z"])
    assert not torch.equal(seeds[(5, 123)]["z"], seeds[(5, 124)]["z"])


def test_cli_lists_the_recipe() -> None:
    from trainer.cli import RECIPE_HELP, available_recipes

    assert "encoder" in available_recipes() and "StyleGAN2" in RECIPE_HELP["encoder"]


def test_the_bundled_encoder_default_names_its_generator_instead_of_data() -> None:
    from trainer.defaults import DEFAULTS

    by_name = {m.name: m for m in DEFAULTS}
    model = by_name["landscape-stylegan2-encoder"]
    assert model.dataset is None and model.generator in by_name
    command = model.command(Path("DATA"), Path("RUN"), model.iters)
    assert "--data" not in command
    assert command[command.index("--generator") + 1] == "resources/models/landscape-stylegan2.safetensors"
    # the options parse as the recipe's
    parse("encoder", command[command.index("encoder") + 1:])


DDP_WORKER = '''
import sys
from pathlib import Path
import torch
import torch.distributed as dist
sys.path.insert(0, sys.argv[3])
from train_helpers import parse
from trainer.loop import run_recipe
from trainer.recipes.encoder import EncoderRecipe

dist.init_process_group("gloo")
out = Path(sys.argv[2])
args = parse("encoder", ["--generator", sys.argv[1], "--out", str(out / "run"), "--batch", "2", "--iters", "3", "--channels", "4",
                         "--channel-max", "8", "--head-channels", "4", "--sample-every", "0", "--no-progress", "--device", "cpu"])
result = run_recipe(EncoderRecipe, args)
torch.save({"E": result.recipe.nets["E"].state_dict(), "world_size": result.recipe.rt.ctx.world_size},
           out / f"rank{dist.get_rank()}.pt")
dist.destroy_process_group()
'''


@pytest.mark.slow
def test_two_process_gloo_run_keeps_the_encoders_identical(generator_file: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    worker = tmp_path / "encoder_ddp_worker.py"
    worker.write_text(DDP_WORKER)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(worker),
               str(generator_file), str(tmp_path), str(Path(__file__).parent)]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    rank0, rank1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert rank0["world_size"] == 2
    for key, value in rank0["E"].items():
        assert torch.equal(value, rank1["E"][key]), key
    assert (tmp_path / "run" / "run.safetensors").is_file()
    assert len((tmp_path / "run" / "losses.csv").read_text().splitlines()) == 4  # one writer
