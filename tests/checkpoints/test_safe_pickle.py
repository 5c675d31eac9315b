"""The restricted unpickler: real snapshots load, nothing in a file ever runs."""
from __future__ import annotations

import io
import pickle
import random
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import load_model
from ganstudio.checkpoints import safe_pickle
from ganstudio.checkpoints.safe_pickle import AttrDict, PersistentRecord
from load_failures import ShellPayload, expect_error

FIXTURES = Path(__file__).parent.parent / "fixtures" / "stylegan2"
SNAPSHOT = FIXTURES / "network-snapshot-skip.pkl"


class _ExecPayload:
    """Unpickling this runs builtins.exec."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def test_snapshot_unpickles_into_inert_records() -> None:
    data = safe_pickle.load(SNAPSHOT)
    assert set(data) == {"G", "D", "G_ema", "augment_pipe", "training_set_kwargs"}
    G = data["G_ema"]
    assert isinstance(G, PersistentRecord) and G.class_name == "Generator"
    assert G.had_source  # the file carried module source, which was dropped unread
    assert isinstance(G.init_kwargs["synthesis_kwargs"], AttrDict)
    assert G.init_kwargs["synthesis_kwargs"].architecture == "skip"
    state = G.state_dict()
    assert state["synthesis.b4.const"].shape == (8, 4, 4)
    assert isinstance(G.modules["mapping"], PersistentRecord)
    assert isinstance(G.modules["mapping"].modules["fc0"].state["weight_gain"], np.floating)
    # NVIDIA's packages were never imported to read it
    assert "torch_utils" not in sys.modules and "dnnlib" not in sys.modules


@pytest.mark.parametrize("payload", [ShellPayload, _ExecPayload])
def test_malicious_reduce_never_runs(payload: type, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "network-snapshot-000100.pkl"
    path.write_bytes(pickle.dumps({"G_ema": payload(marker)}, protocol=4))
    message = expect_error(path, "refused")
    assert "not on the allow-list" in message
    assert not marker.exists()


def test_malicious_payload_hidden_in_a_tensor_stream(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class _EvilStorage:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (torch.storage._load_from_bytes, (pickle.dumps(ShellPayload(marker), protocol=2),))

    path = tmp_path / "ffhq.pkl"
    path.write_bytes(pickle.dumps({"G_ema": _EvilStorage()}, protocol=4))
    expect_error(path)
    assert not marker.exists()


def test_embedded_module_source_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real network whose module_src would write a marker: it loads, and the source never runs."""
    marker = tmp_path / "source-ran"
    evil_source = f"open({str(marker)!r}, 'w').write('ran')\nclass Generator: pass\n"

    # A stand-in for torch_utils.persistence, only so pickle can name its reconstructor while writing.
    fake_package = types.ModuleType("torch_utils")
    fake_persistence = types.ModuleType("torch_utils.persistence")

    def _reconstruct_persistent_obj(meta):  # type: ignore[no-untyped-def]
        exec(meta["module_src"], {})  # what NVIDIA's loader does; must never be reached here
        raise AssertionError("reconstructed")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    fake_persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj
    fake_package.persistence = fake_persistence

    class _Persistent:
        def __init__(self, record: PersistentRecord) -> None:
            self.record = record

        def __reduce__(self):  # type: ignore[no-untyped-def]
            meta = dict(type="class", version=4, module_src=evil_source, class_name=self.record.class_name,
                        state=_plainify(self.record.state))
            return (_reconstruct_persistent_obj, (meta,))

    def _plainify(value):  # type: ignore[no-untyped-def]
        if isinstance(value, PersistentRecord):
            return _Persistent(value)
        if isinstance(value, dict):
            return {k: _plainify(v) for k, v in value.items()}  # AttrDict -> dict: ours is not on the list
        if isinstance(value, (list, tuple)):
            return type(value)(_plainify(v) for v in value)
        return value

    records = safe_pickle.load(SNAPSHOT)
    monkeypatch.setitem(sys.modules, "torch_utils", fake_package)
    monkeypatch.setitem(sys.modules, "torch_utils.persistence", fake_persistence)
    blob = pickle.dumps({"G_ema": _Persistent(records["G_ema"]), "training_set_kwargs": None}, protocol=4)
    monkeypatch.delitem(sys.modules, "torch_utils")
    monkeypatch.delitem(sys.modules, "torch_utils.persistence")
    path = tmp_path / "network-snapshot-evil-source.pkl"
    path.write_bytes(blob)
    assert evil_source.encode() in blob

    loaded = load_model(path)
    expected = torch.load(FIXTURES / "skip_expected.pt", weights_only=True)
    with torch.no_grad():
        img = loaded.module(expected["z"], None, truncation_psi=expected["psi"], truncation_cutoff=expected["cutoff"])
    assert float((img - expected["img_const"]).norm() / expected["img_const"].norm()) <= 1e-4
    assert not marker.exists()
    assert "torch_utils" not in sys.modules


def test_disallowed_global_is_named(tmp_path: Path) -> None:
    from fractions import Fraction

    path = tmp_path / "network-snapshot-000200.pkl"
    path.write_bytes(pickle.dumps({"G_ema": Fraction(1, 3)}))
    expect_error(path, "fractions.Fraction", "allow-list")


def test_numpy_arrays_and_object_dtypes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "arrays.pkl"
    path.write_bytes(pickle.dumps({"G_ema": np.zeros(3)}))
    expect_error(path, "refused")
    path.write_bytes(pickle.dumps({"G_ema": np.dtype(object)}))
    expect_error(path, "not numeric")


def test_numeric_numpy_scalars_are_allowed() -> None:
    value = safe_pickle.loads(pickle.dumps({"gain": np.float64(1.5), "n": np.int32(7)}))
    assert value == {"gain": 1.5, "n": 7} and isinstance(value["gain"], np.float64)


def test_persistent_ids_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()

    class _WithIds(pickle.Pickler):
        def persistent_id(self, obj):  # type: ignore[no-untyped-def]
            return "storage-0" if obj == "tensor" else None

    _WithIds(buffer, protocol=4).dump({"G_ema": "tensor"})
    path = tmp_path / "persistent.pkl"
    path.write_bytes(buffer.getvalue())
    expect_error(path, "persistent id")


def test_truncated_snapshot(tmp_path: Path) -> None:
    data = SNAPSHOT.read_bytes()
    for cut in (len(data) // 2, len(data) - 3, 40):
        path = tmp_path / "network-snapshot-cut.pkl"
        path.write_bytes(data[:cut])
        expect_error(path, "truncated")


def test_random_bytes_with_pkl_suffix(tmp_path: Path) -> None:
    rng = random.Random(11)
    path = tmp_path / "ffhq.pkl"
    path.write_bytes(rng.randbytes(5000))
    expect_error(path)
    for protocol_byte in (b"\x80\x02", b"\x80\x04"):  # looks like a pickle header, then noise
        for trial in range(5):
            path.write_bytes(protocol_byte + rng.randbytes(2000))
            expect_error(path)


def test_python2_style_bytes_encoding_is_understood() -> None:
    assert safe_pickle.loads(pickle.dumps({"b": b"\x00\xffabc"}, protocol=2)) == {"b": b"\x00\xffabc"}


def test_tensorflow_era_pickle_gets_a_pointed_message(tmp_path: Path) -> None:
    # protocol 2 spells globals as "c<module>\n<name>\n": rename a harmless class to the TF network's
    blob = pickle.dumps((AttrDict(a=1), AttrDict(a=2), AttrDict(a=3)), protocol=2)
    blob = blob.replace(b"cganstudio.checkpoints.safe_pickle\nAttrDict\n", b"cdnnlib.tflib.network\nNetwork\n")
    path = tmp_path / "stylegan2-ffhq-config-f.pkl"
    path.write_bytes(blob)
    expect_error(path, "TensorFlow", "legacy.py")
