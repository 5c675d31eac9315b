"""Writers of hostile and broken model files (generated in tmp dirs, never checked in) and a child
process that loads a batch of them, measuring each one's time and the peak memory growth.

Memory is measured in a separate interpreter because ru_maxrss only ever grows:
the child takes its baseline after importing torch and the loader (resetting the
peak there, where Linux allows), then reports after every file the peak resident
size minus that baseline: the worst growth of any file so far.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import types
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from safetensors.torch import save_file

from ganstudio.checkpoints import safe_pickle
from ganstudio.checkpoints.safe_pickle import PersistentRecord

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "tests" / "fixtures" / "stylegan2" / "network-snapshot-skip.pkl"


# ----------------------------------------------------------------------------- tiny legitimate networks


def tiny_networks() -> dict[str, torch.nn.Module]:
    """One small network per registered architecture (the sizes the trainer's tests use)."""
    from ganstudio.models import bicyclegan, cyclegan, dcgan, e4e, gan_int_cls, gigagan, hyperstyle, instagan, lostgan, munit, oasis, patchgan, pix2pix, progan, sean, spade, stargan, stylegan2, stylegan2_encoder, unit

    torch.manual_seed(0)
    return {
        "spade": spade.SPADEGenerator(label_nc=3, ngf=2, crop_size=64, param_free_norm_type="batch"),
        "spade_encoder": spade.ConvEncoder(ngf=2, crop_size=64, z_dim=4),
        "spade_discriminator": spade.MultiscaleDiscriminator(semantic_nc=3, ndf=2, n_layers_D=2, num_D=1),
        "sean": sean.SEANGenerator(label_nc=3, ngf=1, crop_size=32, style_dim=4),
        "oasis": oasis.OASISGenerator(label_nc=3, channels_G=1, z_dim=4, crop_size=64, spade_hidden=4, param_free_norm_type="batch"),
        "oasis_discriminator": oasis.OASISDiscriminator(label_nc=3, channels_D=2, num_res_blocks=2),
        "stylegan2": stylegan2.Generator(z_dim=4, c_dim=0, w_dim=4, img_resolution=8, img_channels=3,
                                         mapping_kwargs={"num_layers": 1},
                                         synthesis_kwargs={"channel_base": 32, "channel_max": 4}),
        "stylegan2_discriminator": stylegan2.Discriminator(c_dim=0, img_resolution=8, img_channels=3,
                                                           channel_base=32, channel_max=4),
        "stylegan2_encoder": stylegan2_encoder.StyleGAN2Encoder(resolution=8, num_ws=4, w_dim=4, channels=2, channel_max=4,
                                                                head_channels=2),
        "psp_encoder": e4e.GradualStyleEncoder(n_styles=4, style_dim=2, base_width=2, se_reduction=2, e4e=True),
        "psp_w_encoder": e4e.WEncoder(n_styles=4, style_dim=2, base_width=2, se_reduction=2),
        "hyperstyle_hypernet": hyperstyle.HyperNetwork(img_resolution=8, channel_base=32, channel_max=4, layers_to_tune="0,1,2,4",
                                                       base_width=1, code_dim=2, shared_inner=2, inner=2),
        "pix2pix_unet": pix2pix.UnetGenerator(ngf=2, num_downs=5),
        "cyclegan_resnet": cyclegan.ResnetGenerator(ngf=2, n_blocks=1),
        "patchgan": patchgan.NLayerDiscriminator(ndf=2, n_layers=1),
        "instagan_generator": instagan.ResnetSetGenerator(ngf=2, n_blocks=1),
        "instagan_discriminator": instagan.NLayerSetDiscriminator(ndf=2, n_layers=1),
        "lostgan_generator": lostgan.LostGANGenerator(ch=1, num_classes=3, z_dim=2, embed_dim=2, mask_hidden=2, mask_head=2),
        "stargan": stargan.Generator(conv_dim=4, c_dim=5, repeat_num=1),
        "stargan_discriminator": stargan.Discriminator(image_size=16, conv_dim=2, c_dim=5, repeat_num=2),
        "munit": munit.AdaINGen(dim=2, style_dim=2, n_downsample=1, n_res=1, mlp_dim=4),
        "unit": unit.VAEGen(dim=2, n_downsample=1, n_res=1),
        "bicyclegan_unet": bicyclegan.BicycleGenerator(ngf=1, nz=2, num_downs=6),
        "bicyclegan_encoder": bicyclegan.ResNetEncoder(nef=1, nz=2, n_blocks=2),
        "gan_int_cls": gan_int_cls.TextToImageGenerator(vocabulary=["a", "lake"], word_dim=2, text_channels=2, text_dim=2,
                                                        max_words=4, z_dim=2, proj_dim=2, ngf=1, resolution=8),
        "gan_int_cls_discriminator": gan_int_cls.MatchingDiscriminator(text_dim=2, proj_dim=2, ndf=1, resolution=8),
        "gigagan": gigagan.TextStyleGenerator(vocabulary=["a", "lake"], word_dim=2, text_channels=4, text_dim=2, max_words=4, z_dim=2,
                                              w_dim=2, map_layers=1, resolution=8, channel_base=32, channel_max=4, num_kernels=2,
                                              attn_max_res=4),
        "gigagan_discriminator": gigagan.MultiScaleTextDiscriminator(text_dim=2, resolution=16, channel_base=32, channel_max=4),
        "dcgan": dcgan.DCGANGenerator(z_dim=4, ngf=1, img_resolution=16),
        "dcgan_discriminator": dcgan.DCGANDiscriminator(ndf=1, img_resolution=16, norm="none"),
        "progan": progan.ProGANGenerator(z_dim=4, depth_scale0=2, depth_other_scales=[2]),
        "progan_discriminator": progan.ProGANDiscriminator(depth_scale0=2, depth_other_scales=[2]),
    }


def tensors_of(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.detach().contiguous().clone() for key, value in module.state_dict().items()}


# ----------------------------------------------------------------------------- native files


def write_native(path: Path, header: Any, tensors: Mapping[str, torch.Tensor], *, raw_header: str | None = None) -> Path:
    """A native .safetensors file whose `ganstudio` header is `header` (JSON) or `raw_header` as given."""
    text = raw_header if raw_header is not None else json.dumps(header)  # json writes NaN/Infinity for floats
    save_file(dict(tensors), str(path), metadata={"format": "ganstudio/1", "ganstudio": text})
    return path


# ----------------------------------------------------------------------------- torch zips


def write_deflate_bomb(path: Path, inflated: int = 2**30) -> Path:
    """A torch zip whose data/0 member inflates to `inflated` zero bytes from about inflated/1000 bytes.

    Written by hand: one deflate block of 1 MiB of zeros, flushed so that it can be
    repeated, makes the member in milliseconds (zlib would take seconds). The CRC
    is left at 0: a reader that inflates the member has spent the memory before it
    could notice.
    """
    buffer = io.BytesIO()
    torch.save({"model.1.weight": torch.zeros(4)}, buffer)
    with zipfile.ZipFile(buffer) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist() if not info.filename.endswith("data/0")]
        prefix = members[0][0].split("/")[0]
    chunk = 2**20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
    bomb = block * (inflated // chunk) + final

    entries = []
    with open(path, "wb") as out:
        for name, data, method, size in [(n, d, 0, len(d)) for n, d in members] + [(f"{prefix}/data/0", bomb, 8, inflated)]:
            encoded = name.encode()
            crc = zlib.crc32(data) if method == 0 else 0
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0))
            out.write(encoded)
            out.write(data)
            entries.append((encoded, method, crc, len(data), size, offset))
        start = out.tell()
        for encoded, method, crc, csize, size, offset in entries:
            out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, csize, size,
                                  len(encoded), 0, 0, 0, 0, 0, offset))
            out.write(encoded)
        end = out.tell()
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - start, start, 0))
    return path


def write_legacy_with_huge_storage(path: Path) -> Path:
    """A legacy (pre-zip) torch file whose storage declares 8 GB but holds 12 bytes."""
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(3)}, buffer, _use_new_zipfile_serialization=False)
    data = bytearray(buffer.getvalue())
    at = data.index(b"K\x03N")  # BININT1 3 (the storage's element count), then NONE
    data[at:at + 2] = b"J" + (2_000_000_000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


# ----------------------------------------------------------------------------- StyleGAN2-ADA pickles


def write_network_pickle(path: Path, networks: Mapping[str, Any]) -> Path:
    """A network pickle as stylegan2-ada-pytorch writes one, from PersistentRecords (and anything else).

    A stand-in torch_utils.persistence exists only while pickling, so that pickle
    can name the reconstructor the restricted unpickler maps to an inert record.
    """
    package = types.ModuleType("torch_utils")
    persistence = types.ModuleType("torch_utils.persistence")

    def _reconstruct_persistent_obj(meta):  # type: ignore[no-untyped-def]
        raise AssertionError("never called: only named in the pickle")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj  # type: ignore[attr-defined]
    package.persistence = persistence  # type: ignore[attr-defined]

    class _Persistent:
        def __init__(self, record: PersistentRecord) -> None:
            self.record = record

        def __reduce__(self):  # type: ignore[no-untyped-def]
            meta = dict(type="class", version=4, module_src="", class_name=self.record.class_name,
                        state=_plain(self.record.state))
            return (_reconstruct_persistent_obj, (meta,))

    memo: dict[int, Any] = {}

    def _plain(value: Any) -> Any:
        # identity-preserving: shared children stay shared (DAG bombs must stay small in the file)
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, PersistentRecord):
            result: Any = _Persistent(value)
        elif isinstance(value, dict):
            result = {k: _plain(v) for k, v in value.items()}
        elif isinstance(value, list):
            result = [_plain(v) for v in value]
        elif isinstance(value, tuple):
            result = tuple(_plain(v) for v in value)
        else:
            result = value
        memo[id(value)] = result
        return result

    saved = {name: sys.modules.get(name) for name in ("torch_utils", "torch_utils.persistence")}
    sys.modules["torch_utils"], sys.modules["torch_utils.persistence"] = package, persistence
    try:
        blob = pickle.dumps(_plain(dict(networks)), protocol=4)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    path.write_bytes(blob)
    return path


def snapshot_generator() -> PersistentRecord:
    """The G_ema record of the small reference snapshot fixture, read with the restricted unpickler."""
    return safe_pickle.load(SNAPSHOT)["G_ema"]


def with_kwargs(record: PersistentRecord, change: Callable[[dict[str, Any]], None]) -> PersistentRecord:
    """A copy of `record` whose init kwargs `change` edits in place (as plain dicts)."""
    kwargs = json.loads(json.dumps(record.init_kwargs, default=lambda v: v.item() if hasattr(v, "item") else dict(v)))
    change(kwargs)
    state = dict(record.state, _init_kwargs=kwargs)
    return PersistentRecord(record.class_name, state, record.version)


def map_tensors(record: PersistentRecord, fn: Callable[[str, torch.Tensor], torch.Tensor], prefix: str = "") -> PersistentRecord:
    """A copy of `record` with every parameter and buffer replaced by fn(name, tensor)."""
    state = dict(record.state)
    for slot in ("_parameters", "_buffers"):
        state[slot] = {k: (fn(prefix + k, v) if isinstance(v, torch.Tensor) else v) for k, v in (state.get(slot) or {}).items()}
    state["_modules"] = {k: (map_tensors(v, fn, f"{prefix}{k}.") if isinstance(v, PersistentRecord) else v)
                         for k, v in (state.get("_modules") or {}).items()}
    return PersistentRecord(record.class_name, state, record.version)


# ----------------------------------------------------------------------------- the child process

CHILD = r"""
import json, os, resource, sys, time
import torch
from ganstudio.checkpoints import CheckpointError, load_model

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux

# a safety net for the machine, not the measurement: a regression fails with MemoryError
# instead of taking gigabytes from everyone else
vm = int(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmSize"))) * 1024
resource.setrlimit(resource.RLIMIT_AS, (vm + 6 * 2**30, resource.RLIM_INFINITY))
try:  # Linux: reset the peak to the current size, so the import's own transient peak hides nothing
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
except OSError:
    pass
base = peak_mb()
for case_id, path, hints in json.load(sys.stdin):
    print(json.dumps({"start": case_id}), flush=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        load_model(path, **hints)
        outcome, message = "loaded", ""
    except CheckpointError as exc:
        outcome, message = "CheckpointError", str(exc)
    except BaseException as exc:
        outcome, message = type(exc).__name__, str(exc)[:500]
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"id": case_id, "outcome": outcome, "message": message, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "growth_mb": peak_mb() - base}), flush=True)
print(json.dumps({"dynamo": "torch._dynamo" in sys.modules, "sympy": "sympy" in sys.modules}), flush=True)
"""


def load_in_child(cases: list[tuple[str, str, dict[str, Any]]], timeout: float = 120) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Load every (id, path, hints) in one fresh interpreter: {id: result}, plus what it imported."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               OMP_NUM_THREADS="1")
    try:
        done = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(cases), capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=ROOT)
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        started = [line["start"] for line in lines if "start" in line]
        raise AssertionError(f"the child did not finish in {timeout} s; last file started: {started[-1] if started else None}")
    results, imported = {}, {}
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if "id" in record:
            results[record["id"]] = record
        elif "dynamo" in record:
            imported = record
    if not imported:
        raise AssertionError(f"the child crashed:\n{stderr[-3000:]}")
    return results, imported
