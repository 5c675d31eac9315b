"""Forward latency of GAN Studio's networks at the sizes the app uses.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_models.py [--quick] [--reference-root /work/ref]

For each architecture that imports (SPADE, SEAN, OASIS, StyleGAN2 at 256x256, the
CycleGAN ResNet-9 and pix2pix U-Net-256 at 256x256, StarGAN at 128x128) it
prints the median forward time over repeated runs after a warm-up, batch 1,
fp32, eval mode under torch.inference_mode(), on the CPU and on CUDA when
present. With --reference-root (a folder holding the reference checkouts) it
also builds the reference network, loads our random weights into it with
strict=True, times it the same way and prints the ratio ours/reference and the
relative L2 difference of the two outputs. --quick shrinks the widths and runs
once, to check that everything works.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import pickle
import statistics
import sys
import time
import types
from argparse import Namespace
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Top-level package names the reference checkouts use; two checkouts that share
# them (SPADE and SEAN both have `models` and `util`) must not see each other's.
REFERENCE_PACKAGES = ("models", "util", "data", "options", "trainers", "training", "torch_utils", "dnnlib")


@dataclass
class Case:
    name: str
    config_text: str
    build: Callable[[], nn.Module]
    inputs: Callable[[torch.device], tuple]
    call: Callable[[nn.Module, tuple], torch.Tensor]
    reference: Callable[[Path, nn.Module], nn.Module] | None = None
    call_reference: Callable[[nn.Module, tuple], torch.Tensor] | None = None
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- reference loading


def find_checkout(root: Path, *names: str) -> Path:
    for name in names:
        if (root / name).is_dir():
            return root / name
    raise FileNotFoundError(f"none of {', '.join(names)} under {root}")


def load_file_module(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def reference_imports(repo: Path, shims: dict[str, Any] | None = None) -> Iterator[None]:
    """Import from `repo` as the top of sys.path, with clean reference package names and stand-in modules."""
    for name in list(sys.modules):
        if name.split(".")[0] in REFERENCE_PACKAGES:
            del sys.modules[name]
    for name, module in (shims or {}).items():
        sys.modules[name] = module
    sys.path.insert(0, str(repo))
    try:
        yield
    finally:
        sys.path.remove(str(repo))


def load_strict(reference: nn.Module, ours: nn.Module) -> nn.Module:
    reference.load_state_dict(ours.state_dict(), strict=True)
    return reference.eval()


def spade_opt(config: dict[str, Any], **extra: Any) -> Namespace:
    norm = ("spectral" if config["spectral_norm"] else "") + "spade" + config["param_free_norm_type"]
    norm += f"{config['spade_kernel_size']}x{config['spade_kernel_size']}"
    semantic_nc = config["label_nc"] + int(config["contain_dontcare_label"]) + int(not config["no_instance"])
    return Namespace(
        label_nc=config["label_nc"], contain_dontcare_label=config["contain_dontcare_label"],
        no_instance=config["no_instance"], ngf=config["ngf"], crop_size=config["crop_size"],
        aspect_ratio=config["aspect_ratio"], num_upsampling_layers=config["num_upsampling_layers"],
        use_vae=config.get("use_vae", False), z_dim=config.get("z_dim", 256), norm_G=norm, semantic_nc=semantic_nc,
        **extra,
    )


def spade_shims() -> dict[str, Any]:
    # util/util.py imports dill only to pickle options; SPADE's sync_batchnorm is a missing
    # git submodule and computes what BatchNorm2d computes in a single process.
    sync_bn = types.ModuleType("models.networks.sync_batchnorm")
    sync_bn.SynchronizedBatchNorm2d = nn.BatchNorm2d
    return {"dill": pickle, "models.networks.sync_batchnorm": sync_bn}


def spade_reference(root: Path, ours: nn.Module) -> nn.Module:
    with reference_imports(find_checkout(root, "NVlabs+SPADE", "SPADE"), spade_shims()):
        from models.networks.generator import SPADEGenerator
    return load_strict(SPADEGenerator(spade_opt(ours.config, status="test")), ours)


def sean_reference(root: Path, ours: nn.Module) -> nn.Module:
    with reference_imports(find_checkout(root, "ZPdesu+SEAN", "SEAN"), spade_shims()):
        from models.networks.generator import SPADEGenerator
    # status 'test' makes the reference expect per-class style files (obj_dic); 'train'
    # encodes the styles from the image, which is what our forward(seg, rgb) does.
    return load_strict(SPADEGenerator(spade_opt(ours.config, status="train")), ours)


def oasis_reference(root: Path, ours: nn.Module) -> nn.Module:
    config = ours.config
    with reference_imports(find_checkout(root, "boschresearch+OASIS", "OASIS")):
        from models.generator import OASIS_Generator
    opt = Namespace(
        channels_G=config["channels_G"], z_dim=config["z_dim"], no_3dnoise=config["no_3dnoise"], crop_size=config["crop_size"],
        aspect_ratio=config["aspect_ratio"], num_res_blocks=6, param_free_norm=config["param_free_norm_type"],
        spade_ks=config["spade_kernel_size"], no_spectral_norm=False, gpu_ids="-1",
        semantic_nc=config["label_nc"] + int(config["contain_dontcare_label"]))
    return load_strict(OASIS_Generator(opt), ours)


def oasis_call(net: nn.Module, args: tuple) -> torch.Tensor:
    """Both forwards draw their own 3D noise with torch.randn: the same seed gives both the same noise."""
    torch.manual_seed(0)
    return net(*args)


def stylegan2_reference(root: Path, ours: nn.Module) -> nn.Module:
    # dnnlib imports requests only to download files
    shims = {"requests": types.ModuleType("requests")} if importlib.util.find_spec("requests") is None else {}
    with reference_imports(find_checkout(root, "NVlabs+stylegan2-ada-pytorch", "stylegan2-ada-pytorch"), shims):
        from training import networks
    config = ours.config
    net = networks.Generator(
        z_dim=config["z_dim"], c_dim=config["c_dim"], w_dim=config["w_dim"], img_resolution=config["img_resolution"],
        img_channels=config["img_channels"], mapping_kwargs=dict(config["mapping_kwargs"]),
        synthesis_kwargs=dict(config["synthesis_kwargs"]),
    )
    return load_strict(net, ours)


def junyanz_networks(root: Path) -> types.ModuleType:
    repo = find_checkout(root, "junyanz", "junyanz+pytorch-CycleGAN-and-pix2pix", "SsnL+pytorch-CycleGAN-and-pix2pix")
    return load_file_module("junyanz_networks", repo / "models" / "networks.py")


def junyanz_norm(norm: str) -> Callable[[int], nn.Module]:
    """The current junyanz get_norm_layer choices."""
    if norm == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if norm == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    return lambda channels: nn.Identity()


def resnet_reference(root: Path, ours: nn.Module) -> nn.Module:
    c = ours.config
    net = junyanz_networks(root).ResnetGenerator(
        c["input_nc"], c["output_nc"], c["ngf"], norm_layer=junyanz_norm(c["norm"]), use_dropout=c["use_dropout"],
        n_blocks=c["n_blocks"], padding_type=c["padding_type"])
    return load_strict(net, ours)


def unet_reference(root: Path, ours: nn.Module) -> nn.Module:
    c = ours.config
    net = junyanz_networks(root).UnetGenerator(
        c["input_nc"], c["output_nc"], c["num_downs"], c["ngf"], norm_layer=junyanz_norm(c["norm"]), use_dropout=c["use_dropout"])
    return load_strict(net, ours)


def stargan_reference(root: Path, ours: nn.Module) -> nn.Module:
    model = load_file_module("stargan_model", find_checkout(root, "yunjey+stargan", "stargan") / "model.py")
    # the official test never calls eval(): its InstanceNorms use per-image statistics
    return load_strict(model.Generator(**ours.config), ours).train()


# ----------------------------------------------------------------------------- cases


def random_onehot(classes: int, side: int, device: torch.device, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    # blocky label map (16-pixel cells), like painted regions rather than per-pixel noise
    cells = torch.randint(0, classes, (1, side // 16, side // 16), generator=gen)
    labels = cells.repeat_interleave(16, 1).repeat_interleave(16, 2)
    return torch.nn.functional.one_hot(labels, classes).permute(0, 3, 1, 2).float().to(device)


def image(channels: int, side: int, device: torch.device, seed: int = 1) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(1, channels, side, side, generator=gen) * 2 - 1).to(device)


def zero_noise(net: nn.Module) -> None:
    """SEAN adds random noise scaled by learned `noise_var`; zeroing it makes outputs comparable."""
    with torch.no_grad():
        for name, buffer in list(net.named_parameters()) + list(net.named_buffers()):
            if name.endswith("noise_var"):
                buffer.zero_()


def cases(quick: bool) -> list[Case]:
    width = 4 if quick else 1  # divide the channel widths by this in --quick
    found: list[Case] = []

    try:
        from ganstudio.models.spade import SPADEGenerator

        config = dict(label_nc=12, ngf=64 // width, crop_size=256, num_upsampling_layers="normal", no_instance=True)
        found.append(Case(
            "SPADE 256x256", ", ".join(f"{k}={v}" for k, v in config.items()) + ", spectral, syncbatch 3x3",
            lambda config=config: SPADEGenerator(**config),
            lambda device: (random_onehot(12, 256, device),),
            lambda net, args: net(*args),
            spade_reference, lambda net, args: net(*args)))
    except ImportError as exc:
        print(f"# SPADE skipped: {exc}")

    try:
        from ganstudio.models.sean import SEANGenerator

        config = dict(label_nc=19, ngf=64 // width, crop_size=256, num_upsampling_layers="normal", no_instance=True)

        def build_sean(config=config) -> nn.Module:
            net = SEANGenerator(**config)
            zero_noise(net)
            return net

        found.append(Case(
            "SEAN 256x256", ", ".join(f"{k}={v}" for k, v in config.items()) + ", style_dim=512 (CelebAMask-HQ-like)",
            build_sean,
            lambda device: (random_onehot(19, 256, device), image(3, 256, device)),
            lambda net, args: net(*args),
            sean_reference, lambda net, args: net(*args)))
    except ImportError as exc:
        print(f"# SEAN skipped: {exc}")

    try:
        from ganstudio.models.oasis import OASISGenerator

        # ADE20K's published layout (150 classes + dontcare, 64 noise channels) at the app's 256 px
        config = dict(label_nc=150, contain_dontcare_label=True, channels_G=64 // width, crop_size=256)
        found.append(Case(
            "OASIS 256x256", ", ".join(f"{k}={v}" for k, v in config.items()) + ", 3D noise z_dim=64, spade_hidden=128",
            lambda config=config: OASISGenerator(**config),
            lambda device: (random_onehot(151, 256, device),),
            oasis_call, oasis_reference, oasis_call))
    except ImportError as exc:
        print(f"# OASIS skipped: {exc}")

    try:
        from ganstudio.models.stylegan2 import Generator as StyleGAN2

        config = dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=256, img_channels=3,
                      mapping_kwargs=dict(num_layers=8),
                      synthesis_kwargs=dict(channel_base=16384 // width, channel_max=512 // width, num_fp16_res=4, conv_clamp=256))

        def stylegan_inputs(device: torch.device) -> tuple:
            gen = torch.Generator().manual_seed(0)
            return torch.randn(1, 512, generator=gen).to(device), None

        found.append(Case(
            "StyleGAN2 256x256", f"paper256: z/w 512, mapping 8, channel_base {16384 // width}, channel_max {512 // width}, "
            "psi 1, noise const, fp32",
            lambda config=config: StyleGAN2(**config), stylegan_inputs,
            lambda net, args: net(args[0], args[1], noise_mode="const"),
            stylegan2_reference,
            lambda net, args: net(args[0], args[1], noise_mode="const", force_fp32=True)))
    except ImportError as exc:
        print(f"# StyleGAN2 skipped: {exc}")

    from ganstudio.models.cyclegan import ResnetGenerator
    from ganstudio.models.pix2pix import UnetGenerator
    from ganstudio.models.stargan import Generator as StarGAN

    resnet = dict(input_nc=3, output_nc=3, ngf=64 // width, norm="instance", use_dropout=False, n_blocks=9)
    found.append(Case(
        "ResNet-9 (CycleGAN) 256x256", f"ngf={64 // width}, instance norm, 9 blocks",
        lambda: ResnetGenerator(**resnet), lambda device: (image(3, 256, device),), lambda net, args: net(*args),
        resnet_reference, lambda net, args: net(*args)))
    unet = dict(input_nc=3, output_nc=3, num_downs=8, ngf=64 // width, norm="batch", use_dropout=True)
    found.append(Case(
        "UNet-256 (pix2pix) 256x256", f"ngf={64 // width}, batch norm, dropout (eval)",
        lambda: UnetGenerator(**unet), lambda device: (image(3, 256, device),), lambda net, args: net(*args),
        unet_reference, lambda net, args: net(*args)))
    stargan = dict(conv_dim=64 // width, c_dim=5, repeat_num=6)

    def stargan_inputs(device: torch.device) -> tuple:
        return image(3, 128, device), torch.tensor([[0.0, 1, 0, 1, 1]], device=device)

    found.append(Case(
        "StarGAN 128x128", f"conv_dim={64 // width}, c_dim=5, repeat_num=6",
        lambda: StarGAN(**stargan), stargan_inputs, lambda net, args: net(*args),
        stargan_reference, lambda net, args: net(*args),
        notes=["the reference is timed in train mode, as its official test runs it"]))
    return found


# ----------------------------------------------------------------------------- timing


Runner = tuple[nn.Module, Callable[[nn.Module, tuple], torch.Tensor]]


def time_forwards(runners: list[Runner], args: tuple, device: torch.device, warmup: int, repeats: int,
                  budget_s: float) -> list[tuple[float, int, torch.Tensor]]:
    """Per runner: (median seconds per forward, timed runs, last output).

    The runners' forwards alternate, so that load from other processes hits
    ours and the reference alike and their ratio stays meaningful. Up to
    `repeats` rounds, stopping once the timed rounds took `budget_s` (at least
    one round), so the slow networks do not stretch the whole benchmark.
    """
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times: list[list[float]] = [[] for _ in runners]
    outputs: list[Any] = [None] * len(runners)
    with torch.inference_mode():
        for net, call in runners:
            for _ in range(warmup):
                call(net, args)
        sync()
        rounds = 0
        while rounds < repeats and (rounds == 0 or sum(map(sum, times)) < budget_s):
            for index, (net, call) in enumerate(runners):
                start = time.perf_counter()
                outputs[index] = call(net, args)
                sync()
                times[index].append(time.perf_counter() - start)
            rounds += 1
    return [(statistics.median(t), len(t), out) for t, out in zip(times, outputs)]


@contextlib.contextmanager
def cpu_cuda_calls(device: torch.device) -> Iterator[None]:
    """SEAN's reference calls .cuda() on its noise; when timing on the CPU that must stay on the CPU."""
    if device.type != "cpu":
        yield
        return
    original = torch.Tensor.cuda
    torch.Tensor.cuda = lambda self, *args, **kwargs: self  # type: ignore[method-assign]
    try:
        yield
    finally:
        torch.Tensor.cuda = original  # type: ignore[method-assign]


def run(case: Case, device: torch.device, reference_root: Path | None, warmup: int, repeats: int, budget_s: float) -> None:
    torch.manual_seed(0)
    ours = case.build().eval().requires_grad_(False)
    args = case.inputs(device)
    runners: list[Runner] = [(ours, case.call)]
    problem = ""
    if reference_root is not None and case.reference is not None:
        try:
            runners.append((case.reference(reference_root, ours).requires_grad_(False).to(device), case.call_reference))
        except Exception as exc:  # a reference that cannot be built here is reported, not fatal
            problem = f"  reference unavailable ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    ours.to(device)
    with cpu_cuda_calls(device):
        results = time_forwards(runners, args, device, warmup, repeats, budget_s)
    ours_s, ours_n, ours_out = results[0]
    line = f"{case.name:<28} {device.type:<5} ours {ours_s * 1000:9.1f} ms (n={ours_n})"
    if len(results) > 1:
        ref_s, ref_n, ref_out = results[1]
        diff = float((ours_out.float() - ref_out.float()).norm() / ref_out.float().norm().clamp_min(1e-12))
        line += f"  reference {ref_s * 1000:9.1f} ms (n={ref_n})  ours/ref {ours_s / ref_s:5.2f}  rel L2 diff {diff:.1e}"
    if not torch.isfinite(ours_out).all():
        # untrained weights can overflow; timings of inf/nan arithmetic may not be representative
        line += "  [output not finite with these random weights]"
    print(line + problem, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-root", type=Path, help="folder holding the reference checkouts (e.g. /work/ref)")
    parser.add_argument("--quick", action="store_true", help="quarter widths, one timed run: a smoke test")
    parser.add_argument("--repeats", type=int, help="most timed runs per measurement (default 5, quick 1)")
    parser.add_argument("--budget", type=float, default=4.0, help="stop timing a network once its runs took this many seconds (default 4)")
    parser.add_argument("--device", choices=["cpu", "cuda", "all"], default="all")
    parser.add_argument("--only", help="run only architectures whose name contains this text")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 5)
    warmup = 1
    devices = []
    if args.device in ("cpu", "all"):
        devices.append(torch.device("cpu"))
    if args.device in ("cuda", "all") and torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
          + (f", CUDA: {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no CUDA"))
    print(f"# batch 1, fp32, eval, inference_mode; median of up to {repeats} run(s) (n=, stopping after {args.budget:g} s) "
          f"after {warmup} warm-up; ours and the reference alternate")
    selected = [c for c in cases(args.quick) if not args.only or args.only.lower() in c.name.lower()]
    for case in selected:
        print(f"# {case.name}: {case.config_text}" + "".join(f"; {note}" for note in case.notes))
    started = time.perf_counter()
    for device in devices:
        for case in selected:
            run(case, device, args.reference_root, warmup, repeats, args.budget)
    print(f"# total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
