"""Semantic directions: SeFa against an independent SVD, layer presets, GANSpace against numpy PCA and
its disk cache, InterFaceGAN boundaries on planted hyperplanes, and applying edits in LatentSession."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from stylegan_models import save_tiny_stylegan2, tiny_stylegan2

from ganstudio.checkpoints import load_model
from ganstudio.document.latent_io import read_latent_npz, write_latent_npz
from ganstudio.engine import directions as D
from ganstudio.engine import ganspace_cache
from ganstudio.engine.device import CPU_RUNTIME
from ganstudio.engine.latent import LatentSession
from ganstudio.engine.latent_spec import (
    DirectionEdit,
    LatentJob,
    LatentRender,
    LatentSource,
)
from ganstudio.engine.model_cache import ReadyModel
from ganstudio.engine.session import RunContext
from ganstudio.models.stylegan2 import Generator


@pytest.fixture(scope="module")
def gen() -> Generator:
    return tiny_stylegan2(seed=3).eval()


# ----------------------------------------------------------------------------- layers


@pytest.mark.parametrize("architecture", ["skip", "resnet", "orig"])
def test_style_inputs_name_the_w_each_affine_really_reads(architecture: str) -> None:
    torch.manual_seed(0)
    g = Generator(z_dim=8, c_dim=0, w_dim=8, img_resolution=32, img_channels=3, mapping_kwargs={"num_layers": 1},
                  synthesis_kwargs={"channel_base": 128, "channel_max": 8, "architecture": architecture}).eval()
    seen: dict[str, float] = {}
    hooks = [item.affine.register_forward_hook(lambda _m, args, _out, name=item.name: seen.__setitem__(name, float(args[0][0, 0])))
             for item in D.style_inputs(g.synthesis)]
    ws = torch.arange(g.num_ws, dtype=torch.float32)[None, :, None].repeat(1, 1, g.w_dim)  # ws[i] is all i
    with torch.no_grad():
        g.synthesis(ws)
    for hook in hooks:
        hook.remove()
    expected = {item.name: float(item.ws_index) for item in D.style_inputs(g.synthesis)}
    assert seen == expected
    assert max(expected.values()) == g.num_ws - 1


def test_presets_select_the_layers_sefa_names(gen: Generator) -> None:
    assert gen.num_ws == 8
    assert D.ws_range("all", 8) == (0, 7)
    assert D.ws_range("coarse", 8) == (0, 1)
    assert D.ws_range("middle", 8) == (2, 5)
    assert D.ws_range("fine", 8) == (6, 7)  # SeFa's 6-13, clipped to this model's 8 ws
    assert D.ws_range("fine", 18) == (6, 13)
    assert D.ws_range((3, 4), 8) == (3, 4)
    assert D.sefa(gen, "coarse").layers == ("b4.conv1", "b4.torgb", "b8.conv0")
    assert D.sefa(gen, "fine").layers == ("b32.conv1", "b32.torgb")
    assert D.sefa(gen, (3, 3)).layers == ("b8.torgb", "b16.conv0")
    with pytest.raises(ValueError, match="only 6 ws"):
        D.ws_range("fine", 6)
    with pytest.raises(ValueError, match="not within"):
        D.ws_range((5, 8), 8)
    with pytest.raises(ValueError, match="unknown layer preset"):
        D.ws_range("top", 8)


# ----------------------------------------------------------------------------- SeFa


def _stacked_weights_by_name(g: Generator, names: tuple[str, ...]) -> np.ndarray:
    """The affine weights read straight from the state dict by name, rows scaled to unit length."""
    state = g.state_dict()
    rows = np.concatenate([state[f"synthesis.{name}.affine.weight"].numpy().astype(np.float64) for name in names])
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("layers", ["all", "coarse", "middle", (2, 3)])
def test_sefa_matches_an_svd_of_the_stacked_normalised_weights(gen: Generator, layers: object) -> None:
    result = D.sefa(gen, layers)  # type: ignore[arg-type]
    stacked = _stacked_weights_by_name(gen, result.layers)
    _u, singular, vt = np.linalg.svd(stacked, full_matrices=False)
    np.testing.assert_allclose(result.eigenvalues, singular ** 2, rtol=1e-4, atol=1e-4)
    for index in range(3):  # the leading directions, up to sign
        assert abs(float(result.directions[index] @ vt[index])) > 0.9999
    gram = result.directions.astype(np.float64) @ result.directions.T.astype(np.float64)
    np.testing.assert_allclose(gram, np.eye(gen.w_dim), atol=1e-5)
    assert (np.diff(result.eigenvalues) <= 1e-9).all()


def test_sefa_signs_are_fixed_and_count_limits(gen: Generator) -> None:
    first, again = D.sefa(gen, count=4), D.sefa(gen)
    assert first.directions.shape == (4, gen.w_dim)
    np.testing.assert_array_equal(first.directions, again.directions[:4])
    rows = np.arange(4)
    assert (first.directions[rows, np.abs(first.directions).argmax(axis=1)] > 0).all()


# ----------------------------------------------------------------------------- GANSpace


def test_ganspace_matches_numpy_pca(gen: Generator) -> None:
    result = D.ganspace(gen, samples=600, seed=5, batch=128)
    ws = D.sample_ws(gen, 600, seed=5, batch=100).numpy().astype(np.float64)  # batching does not change the samples
    centred = ws - ws.mean(axis=0)
    _u, singular, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(result.mean, ws.mean(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(result.stds, singular / np.sqrt(len(ws) - 1), rtol=1e-4, atol=1e-6)
    for index in range(4):
        assert abs(float(result.components[index] @ vt[index])) > 0.9999
    with torch.no_grad():
        mapped = gen.mapping(torch.from_numpy(np.random.RandomState(0).randn(2, gen.z_dim)), None)[:, 0]
    assert D.sample_ws(gen, 2, seed=0).shape == mapped.shape


def test_ganspace_cache_round_trips_and_recomputes_a_bad_file(gen: Generator, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    model = save_tiny_stylegan2(tmp_path / "m.safetensors", seed=3)
    calls: list[int] = []
    real = ganspace_cache.ganspace

    def counting(*args: object, **kwargs: object) -> D.PrincipalComponents:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ganspace_cache, "ganspace", counting)
    cache = tmp_path / "cache"
    first = ganspace_cache.cached_ganspace(gen, model, samples=300, seed=1, cache_dir=cache)
    again = ganspace_cache.cached_ganspace(gen, model, samples=300, seed=1, cache_dir=cache)
    assert len(calls) == 1
    np.testing.assert_array_equal(first.components, again.components)
    np.testing.assert_array_equal(first.stds, again.stds)
    (cached_file,) = cache.glob("ganspace-*.npz")

    ganspace_cache.cached_ganspace(gen, model, samples=301, seed=1, cache_dir=cache)  # another sample count: its own entry
    assert len(calls) == 2 and len(list(cache.glob("*.npz"))) == 2

    for damage in (b"not a zip at all", cached_file.read_bytes()[:200]):
        cached_file.write_bytes(damage)
        redone = ganspace_cache.cached_ganspace(gen, model, samples=300, seed=1, cache_dir=cache)
        np.testing.assert_allclose(redone.components, first.components)
    assert len(calls) == 4
    ganspace_cache.cached_ganspace(gen, model, samples=300, seed=1, cache_dir=cache)
    assert len(calls) == 4  # the rewritten file is good again

    # well-formed but wrong: shapes of another model, NaNs, a key that is not this one's
    key = ganspace_cache.cache_key(model, 300, 1)
    wrong = [
        dict(key=np.array(key), components=np.eye(4, dtype=np.float32), stds=np.ones(4, np.float32), mean=np.zeros(4, np.float32)),
        dict(key=np.array(key), components=np.full((32, 32), np.nan, np.float32), stds=np.ones(32, np.float32),
             mean=np.zeros(32, np.float32)),
        dict(key=np.array("0" * 32), components=np.eye(32, dtype=np.float32), stds=np.ones(32, np.float32),
             mean=np.zeros(32, np.float32)),
    ]
    for arrays in wrong:
        with open(cached_file, "wb") as handle:
            np.savez(handle, **arrays)
        ganspace_cache.cached_ganspace(gen, model, samples=300, seed=1, cache_dir=cache)
    assert len(calls) == 7

    os.utime(model, ns=(os.stat(model).st_atime_ns, os.stat(model).st_mtime_ns + 10**9))  # the file changed
    ganspace_cache.cached_ganspace(gen, model, samples=300, seed=1, cache_dir=cache)
    assert len(calls) == 8


def test_ganspace_cache_that_cannot_be_written_still_returns(gen: Generator, tmp_path: Path) -> None:
    model = save_tiny_stylegan2(tmp_path / "m.safetensors", seed=3)
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    result = ganspace_cache.cached_ganspace(gen, model, samples=50, seed=0, cache_dir=blocker / "sub")
    assert result.components.shape == (gen.w_dim, gen.w_dim)


# ----------------------------------------------------------------------------- boundaries


@pytest.mark.parametrize("scale", [1.0, 40.0])
def test_fit_boundary_recovers_a_planted_hyperplane(scale: float) -> None:
    rng = np.random.default_rng(0)
    dim = 64
    normal = rng.normal(size=dim)
    normal /= np.linalg.norm(normal)
    centre = rng.normal(size=dim) * 3
    ws = centre + scale * rng.normal(size=(4000, dim))
    scores = (ws - centre) @ normal / scale + 0.1 * rng.normal(size=4000)
    boundary = D.fit_boundary(ws, scores, fraction=0.2)
    assert float(boundary.normal @ normal) > 0.95
    assert abs(np.linalg.norm(boundary.normal) - 1) < 1e-5
    assert boundary.accuracy > 0.95
    assert boundary.positives == boundary.negatives == 800
    # the hyperplane passes near the centre (scores there are ~0, the middle of the two classes)
    assert abs(float(boundary.normal @ centre + boundary.offset)) < 0.5 * scale


def test_fit_boundary_refuses_what_it_cannot_fit() -> None:
    ws = np.random.default_rng(0).normal(size=(100, 8))
    with pytest.raises(ValueError, match="do not vary"):
        D.fit_boundary(ws, np.zeros(100))
    with pytest.raises(ValueError, match="fewer than 2"):
        D.fit_boundary(ws[:10], np.arange(10.0), fraction=0.1)
    with pytest.raises(ValueError, match="finite"):
        D.fit_boundary(ws, np.full(100, np.nan))
    with pytest.raises(ValueError, match=r"\[N, w_dim\]"):
        D.fit_boundary(ws, np.zeros(99))


def test_conditional_direction_is_orthogonal_to_its_conditions() -> None:
    rng = np.random.default_rng(1)
    primary, a, b = (rng.normal(size=16) for _ in range(3))
    result = D.condition_direction(primary, a, b)
    assert abs(np.linalg.norm(result) - 1) < 1e-6
    assert abs(float(result @ a)) < 1e-5 and abs(float(result @ b)) < 1e-5
    assert float(result @ primary) > 0
    with pytest.raises(ValueError, match="nothing is left"):
        D.condition_direction(a, a)


# ----------------------------------------------------------------------------- applying


def test_apply_directions_changes_only_the_chosen_ws_and_is_linear() -> None:
    rng = np.random.default_rng(2)
    ws = rng.normal(size=(8, 16)).astype(np.float32)
    vector = rng.normal(size=16).astype(np.float32)
    one = D.apply_directions(ws, [(vector, 1.0, 2, 4)])
    three = D.apply_directions(ws, [(vector, 3.0, 2, 4)])
    untouched = [0, 1, 5, 6, 7]
    np.testing.assert_array_equal(one[untouched], ws[untouched])
    np.testing.assert_allclose(three - ws, 3 * (one - ws), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(one[2:5] - ws[2:5], np.broadcast_to(vector, (3, 16)), atol=1e-6)
    np.testing.assert_array_equal(D.apply_directions(ws, []), ws)
    # a tensor in, a tensor out, same numbers; the input is not modified
    tensor = torch.from_numpy(ws.copy())
    edited = D.apply_directions(tensor, [DirectionEdit(vector=vector, amount=1.0, first_ws=2, last_ws=4)])
    assert isinstance(edited, torch.Tensor)
    np.testing.assert_allclose(edited.numpy(), one, atol=1e-6)
    np.testing.assert_array_equal(tensor.numpy(), ws)
    # None: up to the last w; edits add up
    to_end = D.apply_directions(ws, [DirectionEdit(vector=vector, amount=2.0, first_ws=6), (vector, -1.0, 0, 7)])
    np.testing.assert_allclose(to_end[6:] - ws[6:], np.broadcast_to(vector, (2, 16)), atol=1e-5)
    np.testing.assert_allclose(to_end[:6] - ws[:6], np.broadcast_to(-vector, (6, 16)), atol=1e-5)
    with pytest.raises(ValueError, match="not within"):
        D.apply_directions(ws, [(vector, 1.0, 3, 8)])
    with pytest.raises(ValueError, match="16 values"):
        D.apply_directions(ws, [(vector[:8], 1.0, 0, 1)])


def test_direction_edit_validates_and_describes() -> None:
    with pytest.raises(ValueError, match="finite"):
        DirectionEdit(vector=np.zeros(4), amount=float("inf"))
    with pytest.raises(ValueError, match="empty"):
        DirectionEdit(vector=np.zeros(4), amount=1.0, first_ws=3, last_ws=2)
    edit = DirectionEdit(vector=np.ones(4), amount=2.5, first_ws=1, last_ws=3, name="snow")
    assert not edit.vector.flags.writeable
    assert edit.to_json() == {"name": "snow", "amount": 2.5, "first_ws": 1, "last_ws": 3}
    plain = LatentRender(blend=((LatentSource.from_seed(1), 1.0),))
    assert "edits" not in plain.describe()  # unchanged settings text without edits
    edited = LatentRender(blend=((LatentSource.from_seed(1), 1.0),), edits=(edit,))
    assert edited.describe()["edits"] == [edit.to_json()]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> LatentSession:
    path = save_tiny_stylegan2(tmp_path_factory.mktemp("d") / "sg2.safetensors", random_w_avg=True)
    loaded = load_model(path)
    return LatentSession(ReadyModel(loaded, CPU_RUNTIME, key=id(loaded)), CPU_RUNTIME)


def test_final_ws_applies_edits_after_truncation_and_mixing(session: LatentSession, tmp_path: Path) -> None:
    gen = session.generator
    vector = D.sefa(gen, "coarse").directions[0]
    mixing = (LatentSource.from_seed(9),)
    base = dict(blend=((LatentSource.from_seed(1), 0.7), (LatentSource.from_seed(2), 0.3)), psi=0.6, cutoff=4,
                mixing=mixing, layer_sources=(0,) * 4 + (1,) * 4)
    plain = session.final_ws(LatentRender(**base))[0]
    edit = DirectionEdit(vector=vector, amount=5.0, first_ws=0, last_ws=1, name="SeFa 1")
    edited_render = LatentRender(**base, edits=(edit,))
    edited = session.final_ws(edited_render)[0]
    torch.testing.assert_close(edited, D.apply_directions(plain, [edit]))
    torch.testing.assert_close(edited[2:], plain[2:])
    assert not torch.equal(edited[:2], plain[:2])
    # the render result carries the edited ws; exporting them as w+ and reading back gives them exactly
    job = LatentJob(render=edited_render)
    outputs = session.run(job, RunContext(job))
    np.testing.assert_allclose(outputs["ws"], edited.numpy(), atol=0)
    path = write_latent_npz(tmp_path / "edited.npz", np.asarray(outputs["ws"])[None])
    back = read_latent_npz(path, gen.num_ws, gen.w_dim)[0]
    np.testing.assert_array_equal(back, outputs["ws"])
    # rendering that saved latent reproduces the edited picture
    again = LatentJob(render=LatentRender(blend=((LatentSource(w=back, name="edited"), 1.0),)))
    np.testing.assert_array_equal(session.run(again, RunContext(again))["image"], outputs["image"])
