"""--init: a new run starts from exactly the weights of a model file (StyleGAN2-ADA pickle,
GAN Studio export), and a file that does not fit says what differs."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import load_model
from trainer.loop import run_recipe
from train_helpers import recipe_class, tiny_args

PICKLES = Path(__file__).parent.parent / "fixtures" / "stylegan2"
# the run configuration of the random-weight fixtures (tests/fixtures/stylegan2, 32 px, skip G, resnet D)
FIXTURE_RUN = ["--z-dim", "32", "--w-dim", "32", "--map-layers", "2", "--channel-base", "128", "--channel-max", "8",
               "--mbstd-group", "2", "--d-reg-interval", "2", "--g-reg-interval", "2"]


def first_step_weights(base: type) -> tuple[type, dict]:
    """A recipe class that records its networks' weights when training starts (before any update)."""
    seen: dict[str, dict[str, torch.Tensor]] = {}

    class Recording(base):
        def train_step(self, batch, iteration):
            if iteration == 0:
                seen.update({name: {k: v.detach().clone() for k, v in net.state_dict().items()} for name, net in self.nets.items()})
            return super().train_step(batch, iteration)

    return Recording, seen


def assert_same(weights: dict[str, torch.Tensor], module: torch.nn.Module) -> None:
    expected = module.state_dict()
    assert weights.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(weights[key], value.to(weights[key].dtype)), key


def stylegan2_args(data: Path, out: Path, *extra: str, iters: int = 2):
    args = tiny_args("stylegan2", data, out, *extra, iters=iters)
    for flag, value in zip(FIXTURE_RUN[::2], FIXTURE_RUN[1::2]):
        setattr(args, flag[2:].replace("-", "_"), int(value))
    return args


def test_stylegan2_ada_pickle_gives_g_g_ema_and_d_exactly(tiny_data, tmp_path: Path) -> None:
    pkl = PICKLES / "network-snapshot-skip.pkl"
    cls, seen = first_step_weights(recipe_class("stylegan2"))
    result = run_recipe(cls, stylegan2_args(tiny_data("folder"), tmp_path / "run", "--init", str(pkl)))
    assert_same(seen["G_ema"], load_model(pkl).module)
    assert_same(seen["G"], load_model(pkl, network="G").module)
    assert_same(seen["D"], load_model(pkl, include_discriminator=True).parts["discriminator"].module)
    assert not torch.equal(seen["G"]["synthesis.b4.conv1.weight"], seen["G_ema"]["synthesis.b4.conv1.weight"])  # two networks
    assert result.iteration == 2 and result.recipe.images_seen == 4  # a new run: kimg counts from 0


def test_resume_ignores_init_and_keeps_the_image_count(tiny_data, tmp_path: Path, capsys) -> None:
    pkl = PICKLES / "network-snapshot-skip.pkl"
    data = tiny_data("folder")
    run_recipe(recipe_class("stylegan2"), stylegan2_args(data, tmp_path / "run", "--init", str(pkl), iters=2))
    cls, seen = first_step_weights(recipe_class("stylegan2"))
    resumed = run_recipe(cls, stylegan2_args(data, tmp_path / "run", "--init", str(pkl), "--resume", iters=3))
    assert f"--init {pkl} ignored: resuming" in capsys.readouterr().err
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert resumed.recipe.images_seen == 6 and state["images_seen"] == 6
    assert not seen  # iteration 0 was not run again


@pytest.mark.parametrize("extra, message", [
    (["--resolution", "64"], r"resolution 32 px in the file, 64 px in this run"),
    (["--map-layers", "3"], r"num_layers: 2 in the file, 3 in this run"),
])
def test_stylegan2_mismatch_names_what_differs(tiny_data, tmp_path: Path, extra: list[str], message: str) -> None:
    args = stylegan2_args(tiny_data("folder"), tmp_path / "run", "--init", str(PICKLES / "network-snapshot-skip.pkl"))
    args.resolution = 64 if "--resolution" in extra else args.resolution
    args.map_layers = 3 if "--map-layers" in extra else args.map_layers
    with pytest.raises(ValueError, match=message):
        run_recipe(recipe_class("stylegan2"), args)


def test_conditional_pickle_into_an_unconditional_run_names_the_class_count(tiny_data, tmp_path: Path) -> None:
    args = stylegan2_args(tiny_data("folder"), tmp_path / "run", "--init", str(PICKLES / "network-snapshot-cond.pkl"))
    with pytest.raises(ValueError, match=r"c_dim: 4 in the file, 0 in this run"):
        run_recipe(recipe_class("stylegan2"), args)


@pytest.mark.parametrize("recipe, data_kind, filled", [
    ("pix2pix", "paired", {"G"}),
    ("cyclegan", "unpaired", {"G_A", "G_B"}),
    ("stargan", "faces", {"G", "D"}),
    ("spade", "labelmap", {"G", "E"}),
    ("oasis", "labelmap", {"G", "G_ema"}),
])
def test_native_export_initialises_the_networks_it_holds(recipe: str, data_kind: str, filled: set[str], tiny_data, tmp_path: Path) -> None:
    data = tiny_data(data_kind)
    first = run_recipe(recipe_class(recipe), tiny_args(recipe, data, tmp_path / "first", "--export-dtype", "float32", iters=2))
    cls, seen = first_step_weights(recipe_class(recipe))
    run_recipe(cls, tiny_args(recipe, data, tmp_path / "second", "--init", str(first.export_path), "--seed", "11", iters=1))
    loaded = load_model(first.export_path)
    sources = {"": loaded, **loaded.parts}
    module, parts, _ = first.recipe.export() if recipe != "oasis" else (None, {}, None)
    checked = set()
    for name in filled:
        if recipe == "oasis":
            source = loaded.module
        else:
            slot = next(slot for slot, net in {"": module, **parts}.items() if net is first.recipe.nets[name])
            source = sources[slot].module
        assert_same(seen[name], source)
        checked.add(name)
    assert checked == filled


def test_a_file_of_another_architecture_is_refused(tiny_data, tmp_path: Path) -> None:
    pix = run_recipe(recipe_class("pix2pix"), tiny_args("pix2pix", tiny_data("paired"), tmp_path / "pix", iters=1))
    args = tiny_args("cyclegan", tiny_data("unpaired"), tmp_path / "run", "--init", str(pix.export_path), iters=1)
    with pytest.raises(ValueError, match=r"--init: the file's main network .* is a UnetGenerator, this run trains a ResnetGenerator"):
        run_recipe(recipe_class("cyclegan"), args)


def test_an_unreadable_file_is_a_clear_error(tiny_data, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    args = tiny_args("pix2pix", tiny_data("paired"), tmp_path / "run", "--init", str(bad), iters=1)
    with pytest.raises(ValueError, match=r"--init: .*bad.pt"):
        run_recipe(recipe_class("pix2pix"), args)


def test_rosinality_checkpoint_gives_g_ema_to_g_and_g_ema_and_its_d(tiny_data, tmp_path: Path) -> None:
    import lzma

    path = tmp_path / "rosinality.pt"
    path.write_bytes(lzma.decompress((Path(__file__).parent.parent / "fixtures" / "rosinality" / "train_64_cm1.pt.xz").read_bytes()))
    args = tiny_args("stylegan2", tiny_data("folder"), tmp_path / "run", "--init", str(path), iters=1)
    args.resolution, args.z_dim, args.w_dim, args.map_layers, args.channel_base, args.channel_max = 64, 64, 64, 2, 512, 16
    cls, seen = first_step_weights(recipe_class("stylegan2"))
    run_recipe(cls, args)
    loaded = load_model(path, include_discriminator=True)
    assert_same(seen["G_ema"], loaded.module)
    assert_same(seen["G"], loaded.module)  # the file keeps g too, but load_model imports g_ema only
    assert_same(seen["D"], loaded.parts["discriminator"].module)
