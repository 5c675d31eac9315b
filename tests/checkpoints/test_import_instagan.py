"""sangwoomo/instagan files load and reproduce the reference (fixtures: tests/fixtures/README.md, InstaGAN).

The generator alone (an empty mask echoed), the set discriminator over two forwards (its spectral norm
updates u and v on every call), and the whole published test procedure (InstaGANModel.test: masks
largest first, two per pass, each pass feeding the next) against ganstudio.models.instagan_procedure.
"""
from __future__ import annotations

import os

import pytest
import torch

from ganstudio.checkpoints import CheckpointError, load_model, save_model
from ganstudio.checkpoints.importers import ImportMismatch, instagan as importer
from ganstudio.models.instagan_procedure import translate_instances
from ganstudio.models.instagan import NLayerSetDiscriminator, ResnetSetGenerator

HERE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "instagan")
TOLERANCE = 1e-4


def rel(actual: torch.Tensor, expected: torch.Tensor) -> float:
    return float((actual - expected).norm() / expected.norm())


@pytest.fixture(scope="module")
def io() -> dict:
    return torch.load(os.path.join(HERE, "io.pt"), weights_only=True)


@pytest.fixture(scope="module")
def generator():
    return load_model(os.path.join(HERE, "latest_net_G_A.pth"))


def test_generator_file_loads_strictly_and_matches(generator, io) -> None:
    assert generator.arch == "instagan_generator"
    assert generator.config == {"input_nc": 3, "output_nc": 3, "ngf": 4, "norm": "instance", "use_dropout": False,
                                "n_blocks": 9, "padding_type": "reflect"}
    with torch.no_grad():
        out = generator.module(io["direct_in"])
    assert out.shape == io["direct_out"].shape == (1, 6, 32, 32)
    assert rel(out, io["direct_out"]) <= TOLERANCE
    assert torch.equal(out[:, 4], io["direct_in"][:, 4])  # the empty mask is echoed, not decoded


def test_published_test_procedure_matches(generator, io) -> None:
    steps: list[tuple[int, int]] = []
    result = translate_instances(generator.module, io["image"], io["masks"], per_pass=io["ins_per"], max_instances=io["ins_max"],
                                 step=lambda done, total: steps.append((done, total)))
    assert result.order[:3] == [4, 2, 1]  # largest first
    assert torch.equal(io["masks"][:, result.order], io["selected_A"])
    assert result.passes == 2 and steps == [(0, 3), (1, 3), (2, 3)]  # the third pass has no instance: skipped
    assert rel(result.image, io["fake_B_img"]) <= TOLERANCE
    assert rel(result.masks[:, result.order], io["fake_B_seg_mul"]) <= TOLERANCE


def test_discriminator_file_matches_over_two_forwards(io) -> None:
    loaded = load_model(os.path.join(HERE, "latest_net_D_A.pth"))
    assert loaded.arch == "instagan_discriminator"
    assert loaded.config == {"input_nc": 3, "ndf": 4, "n_layers": 3, "norm": "instance", "use_sigmoid": False}
    with torch.no_grad():
        first, second = loaded.module(io["direct_in"]), loaded.module(io["direct_in"])
    assert rel(first, io["d1"]) <= TOLERANCE and rel(second, io["d2"]) <= TOLERANCE
    assert not torch.equal(io["d1"], io["d2"])  # u, v moved: the second call really tests the update


def test_stale_instance_norm_keys_are_dropped(tmp_path, io) -> None:
    state = torch.load(os.path.join(HERE, "latest_net_G_A.pth"), weights_only=True)
    stale = {"encoder_img.2.running_mean": torch.zeros(4), "encoder_img.2.running_var": torch.ones(4),
             "decoder_seg.1.running_mean": torch.zeros(24), "decoder_seg.1.running_var": torch.ones(24)}
    path = tmp_path / "200_net_G_B.pth"
    torch.save({**state, **stale}, path)
    loaded = load_model(path)
    assert sorted(loaded.meta["dropped_keys"]) == sorted(stale)
    with torch.no_grad():
        assert rel(loaded.module(io["direct_in"]), io["direct_out"]) <= TOLERANCE


@pytest.mark.parametrize("config", [
    {"ngf": 2, "n_blocks": 0, "norm": "instance", "input_nc": 1},
    {"ngf": 3, "n_blocks": 2, "norm": "batch", "use_dropout": True, "output_nc": 1},
    {"ngf": 2, "n_blocks": 1, "norm": "none", "padding_type": "zero"},
])
def test_generator_layouts_round_trip(tmp_path, config) -> None:
    torch.manual_seed(1)
    net = ResnetSetGenerator(**config).eval()
    path = tmp_path / "latest_net_G_A.pth"
    torch.save(net.state_dict(), path)
    loaded = load_model(path)
    assert config.items() <= loaded.config.items()
    x = torch.cat([torch.rand(1, net.config["input_nc"], 16, 16) * 2 - 1, -torch.ones(1, 2, 16, 16)], dim=1)
    x[:, -1, 4:10, 4:10] = 1
    with torch.no_grad():
        assert torch.allclose(loaded.module(x), net(x), atol=1e-6)
    native = save_model(loaded, tmp_path / "instagan.safetensors")
    assert load_model(native).config == loaded.config


@pytest.mark.parametrize("n_layers, norm", [(1, "instance"), (2, "batch"), (4, "none")])
def test_discriminator_layouts_detect(n_layers, norm) -> None:
    net = NLayerSetDiscriminator(ndf=2, n_layers=n_layers, norm=norm)
    result = importer.detect(dict(net.state_dict()), {})
    assert result is not None and result.config["n_layers"] == n_layers
    assert result.config["norm"] == (norm if n_layers > 1 else "instance")


def test_presets_give_the_published_sizes() -> None:
    state = dict(ResnetSetGenerator(ngf=2, n_blocks=1).state_dict())
    assert importer.detect(state, {"preset": "pants2skirt_mhp_instagan"}).meta["size"] == [240, 160]
    assert importer.detect(state, {"preset": "shp2gir_coco_instagan"}).meta["size"] == [200, 200]


def test_inconsistent_files_are_refused_in_our_words(tmp_path) -> None:
    state = dict(ResnetSetGenerator(ngf=2, n_blocks=1).state_dict())
    wrong = dict(state, **{"decoder_seg.0.weight": torch.zeros(24, 13, 3, 3)})
    with pytest.raises(ImportMismatch, match="InstaGAN set generator"):
        importer.detect(wrong, {})
    seg = dict(state, **{"encoder_seg.1.weight": torch.zeros(2, 3, 7, 7)})
    with pytest.raises(ImportMismatch, match="encoder_seg"):
        importer.detect(seg, {})
    path = tmp_path / "latest_net_G_A.pth"
    torch.save(wrong, path)
    with pytest.raises(CheckpointError):
        load_model(path)


def test_a_preset_hint_names_the_domains_and_size(tmp_path) -> None:
    path = tmp_path / "200_net_G_A.pth"
    torch.save(ResnetSetGenerator(ngf=4, n_blocks=9).state_dict(), path)
    loaded = load_model(path, preset="pants2skirt_mhp_instagan")
    assert loaded.meta["provenance"]["domains"] == {"A": "pants", "B": "skirt"} and loaded.meta["size"] == [240, 160]
    assert "domains" not in load_model(path).meta["provenance"]  # no hint: nothing made up
