"""HyperStyle's hypernetwork (models/hyperstyle.py): strict loads of the reference's tensors, its passes, its layout."""
from __future__ import annotations

import pytest
import torch
from e4e_fixtures import HYPERSTYLE_CASES, TOLERANCE, checkpoint, fixture_io, photo, prefixed, reference_object, rel_err

from ganstudio.checkpoints import load_model
from ganstudio.engine.encoders import encoder_part, refine
from ganstudio.models.hyperstyle import HyperNetwork, layer_names, layer_shapes, parse_layers
from ganstudio.models.registry import build_on_meta

# yuval-alaluf/hyperstyle's per-layer (kernel, in, out) table for its 1024 px FFHQ generator
PUBLISHED_SHAPES = [(3, 512, 512), (1, 512, 3)] + [(3, 512, 512), (3, 512, 512), (1, 512, 3)] * 4 + [
    (3, 512, 256), (3, 256, 256), (1, 256, 3), (3, 256, 128), (3, 128, 128), (1, 128, 3),
    (3, 128, 64), (3, 64, 64), (1, 64, 3), (3, 64, 32), (3, 32, 32), (1, 32, 3)]
PUBLISHED_LAYERS = "0,2,3,5,6,8,9,11,12,14,15,17,18,20,21,23,24"  # its train_options default


def hypernet_of(case: str) -> HyperNetwork:
    container = reference_object(case)
    opts = container["opts"]
    net = HyperNetwork(img_resolution=128, channel_base=1024, channel_max=16, layers_to_tune=opts["layers_to_tune"],
                       base_width=8, code_dim=16, shared_inner=16, inner=32,
                       separable=opts["encoder_type"].endswith("Separable"))
    net.load_state_dict(prefixed(container["state_dict"], "hypernet."), strict=True)  # shared weights listed twice
    return net.eval()


@pytest.mark.parametrize("case", HYPERSTYLE_CASES)
def test_strict_load_of_the_reference_hypernetwork(case: str) -> None:
    net = hypernet_of(case)
    tuned = [i for i, head in enumerate(net.refinement_blocks) if head is not None]
    assert tuned == parse_layers(reference_object(case)["opts"]["layers_to_tune"], 17)
    assert net.refinement_blocks[0].hypernet is net.shared_weight_hypernet


@pytest.mark.parametrize("case", HYPERSTYLE_CASES)
def test_passes_equal_the_reference(case: str, tmp_path) -> None:
    """The W encoder, the generator and every pass's picture and the summed offsets, as run_inversion gives them."""
    io_data = fixture_io(case)
    model = load_model(checkpoint(tmp_path, case))
    w_file = load_model(checkpoint(tmp_path, f"{case}_w_encoder"))
    x = photo(io_data)
    pictures = []
    with torch.no_grad():
        ws = encoder_part(w_file)(x)
        deltas, last = refine(model.module, model.parts["hypernet"].module, x, ws, io_data["passes"],
                              lambda k, n, image: pictures.append(image))
    assert rel_err(ws, io_data["codes"]) <= TOLERANCE
    assert len(pictures) == io_data["passes"] == len(io_data["images"])
    for ours, theirs in zip(pictures, io_data["images"]):
        assert rel_err(ours[0], theirs) <= TOLERANCE
    assert [d is None for d in deltas] == [d is None for d in io_data["deltas"]]
    for ours, theirs in zip(deltas, io_data["deltas"]):
        if theirs is not None:
            assert ours[0].shape == theirs.shape and rel_err(ours[0], theirs) <= TOLERANCE  # the fixture keeps one sample
    assert torch.equal(last, pictures[-1])


def test_layer_table_matches_the_published_one() -> None:
    assert layer_shapes(1024, 32768, 512) == PUBLISHED_SHAPES
    names = layer_names(1024)
    assert len(names) == 26 and names[:5] == ["synthesis.b4.conv1.weight", "synthesis.b4.torgb.weight",
                                              "synthesis.b8.conv0.weight", "synthesis.b8.conv1.weight",
                                              "synthesis.b8.torgb.weight"]
    assert names[-1] == "synthesis.b1024.torgb.weight"


def test_published_hypernetwork_shapes() -> None:
    net = build_on_meta("hyperstyle_hypernet", dict(img_resolution=1024, layers_to_tune=PUBLISHED_LAYERS))
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert shapes["shared_weight_hypernet.w2"] == (512, 512 * 512)
    assert shapes["shared_weight_hypernet.w1"] == (512, 512 * 9)
    assert shapes["refinement_blocks.0.hypernet.w2"] == (512, 512 * 512)
    assert shapes["refinement_blocks.14.output.1.weight"] == (512 * 256, 512, 1, 1)
    assert shapes["refinement_blocks.14.convs.4.weight"] == (512, 256, 3, 3)  # three stride-2 convs to 2x2
    assert shapes["refinement_blocks.0.convs.8.weight"] == (512, 128, 3, 3)
    assert shapes["conv1.weight"] == (64, 6, 7, 7)
    assert shapes["body.15.conv2.weight"] == (512, 512, 3, 3)
    assert not any(k.startswith("refinement_blocks.1.") for k in shapes)  # toRGB layers are not tuned by default


def test_bad_layer_lists_are_refused() -> None:
    with pytest.raises(ValueError, match="layers 0-16"):
        parse_layers("0,17", 17)
    assert parse_layers("", 5) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="shared"):
        HyperNetwork(img_resolution=128, channel_base=64, channel_max=32, layers_to_tune="0", base_width=1, code_dim=2,
                     shared_inner=2, inner=2)
