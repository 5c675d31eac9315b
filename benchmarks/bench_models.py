"""Forward latency of GAN Studio's networks at the sizes the app uses.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_models.py [--quick] [--reference-root /work/ref]

For each architecture that imports (SPADE, SEAN, OASIS, StyleGAN2 at 256x256, the
CycleGAN ResNet-9 and pix2pix U-Net-256 at 256x256, StarGAN at 128x128, MUNIT and
UNIT A->B translation and the BicycleGAN U-Net (z at every level) at 256x256, ProGAN
(pytorch_GAN_zoo celebAHQ-256) at 256x256, DCGAN (pytorch/examples) at 64x64 and LostGAN-v2 at 128x128) it
prints the median forward time over repeated runs after a warm-up, batch 1,
fp32, eval mode under torch.inference_mode(), on the CPU and on CUDA when
present. With --reference-root (a folder holding the reference checkouts) it
also builds the reference network, loads our random weights into it with
strict=True, times it the same way and prints the ratio ours/reference and the
relative L2 difference of the two outputs. --quick shrinks the widths and runs
once, to check that everything works. Batch norms' running statistics come from
one forward on the input (`calibrate_norms`), as after training. With
--precision auto ours runs in the precision the app's policy measures for it
(ganstudio.engine.precision: bf16 autocast, channels_last...), the reference in
fp32, and the line under each result says which, its speed-up over our fp32 and
its error in levels of 255.
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
from dataclasses import dataclass, field, replace
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


def pgan_reference(root: Path, ours: nn.Module) -> nn.Module:
    """pytorch_GAN_zoo's GNet grown to ours' scales (its test runs avgG without eval(); nothing in it depends on the mode)."""
    with reference_imports(find_checkout(root, "facebookresearch+pytorch_GAN_zoo", "pytorch_GAN_zoo")):
        from models.networks.progressive_conv_net import GNet

        config = ours.config
        net = GNet(config["z_dim"], config["depth_scale0"], dimOutput=config["img_channels"])
        for depth in config["depth_other_scales"]:
            net.addScale(depth)
    return load_strict(net, ours)


def dcgan_reference(root: Path, ours: nn.Module) -> nn.Module:
    """pytorch/examples' dcgan Generator: its class taken from main.py (which trains at import) by its source lines."""
    source = (find_checkout(root, "pytorch+examples", "examples") / "dcgan" / "main.py").read_text()
    start, end = source.index("class Generator"), source.index("netG = Generator(ngpu)")
    config = ours.config
    namespace: dict[str, Any] = {"nn": nn, "torch": torch, "nz": config["z_dim"], "ngf": config["ngf"], "nc": config["img_channels"]}
    exec(compile(source[start:end], "dcgan/main.py", "exec"), namespace)
    return load_strict(namespace["Generator"](1), ours)


def munit_reference(root: Path, ours: nn.Module) -> nn.Module:
    networks = load_file_module("munit_networks", find_checkout(root, "NVlabs+MUNIT", "MUNIT", "munit_ref") / "networks.py")
    c = dict(ours["a"].config)
    gen = {k: c[k] for k in ("dim", "style_dim", "n_downsample", "n_res", "activ", "pad_type", "mlp_dim")}
    return load_strict(nn.ModuleDict({"a": networks.AdaINGen(c["input_dim"], gen), "b": networks.AdaINGen(c["input_dim"], gen)}), ours)


def unit_reference(root: Path, ours: nn.Module) -> nn.Module:
    networks = load_file_module("unit_networks", find_checkout(root, "mingyuliutw+UNIT", "UNIT", "unit_ref") / "networks.py")
    c = dict(ours["a"].config)
    gen = {k: c[k] for k in ("dim", "n_downsample", "n_res", "activ", "pad_type")}
    return load_strict(nn.ModuleDict({"a": networks.VAEGen(c["input_dim"], gen), "b": networks.VAEGen(c["input_dim"], gen)}), ours)


def bicyclegan_reference(root: Path, ours: nn.Module) -> nn.Module:
    networks = load_file_module("bicyclegan_networks", find_checkout(root, "junyanz+BicycleGAN", "BicycleGAN", "bicyclegan_ref") / "models" / "networks.py")
    c = ours.config
    net = networks.G_Unet_add_all(c["input_nc"], c["output_nc"], c["nz"], c["num_downs"], c["ngf"], norm_layer=junyanz_norm(c["norm"]),
                                  nl_layer=functools.partial(nn.ReLU, inplace=True), use_dropout=c["use_dropout"], upsample=c["upsample"])
    return load_strict(net, ours)


# ----------------------------------------------------------------------------- cases


def instagan_reference(root: Path, ours: nn.Module) -> nn.Module:
    networks = load_file_module("instagan_networks", find_checkout(root, "sangwoomo+instagan", "instagan", "instagan_ref") / "models" / "networks.py")
    c = ours.config
    net = networks.ResnetSetGenerator(c["input_nc"], c["output_nc"], c["ngf"], norm_layer=junyanz_norm(c["norm"]),
                                      use_dropout=c["use_dropout"], n_blocks=c["n_blocks"], padding_type=c["padding_type"])
    return load_strict(net, ours)


def lostgan_reference(root: Path, ours: nn.Module) -> nn.Module:
    """WillSuen/LostGANs' generator from a temporary copy: CPU instead of .cuda(), and PyTorch 1.0's grid_sample
    (align_corners=True), as tests/fixtures/tools/make_lostgan_fixtures.py does (without its width shims)."""
    import shutil
    import tempfile

    repo = find_checkout(root, "WillSuen+LostGANs", "LostGANs", "lostgan_ref")
    copy = Path(tempfile.mkdtemp(prefix="lostgan_bench_"))
    for part in ("model", "utils"):
        shutil.copytree(repo / part, copy / part, ignore=shutil.ignore_patterns("csrc", "roi_layers"))
    for rel, old, new in (("model/resnet_generator_v2.py", ".cuda(device=x.device)", ".to(x.device)"),
                          ("utils/bilinear.py", ".cuda(device=masks.device)", ".to(masks.device)"),
                          ("utils/bilinear.py", "F.grid_sample(img_in, grid, mode='bilinear')",
                           "F.grid_sample(img_in, grid, mode='bilinear', align_corners=True)")):
        text = (copy / rel).read_text()
        (copy / rel).write_text(text.replace(old, new))
    for name in list(sys.modules):
        if name.split(".")[0] in ("model", "utils"):
            del sys.modules[name]
    with reference_imports(copy):
        from model.resnet_generator_v2 import ResnetGenerator128, ResnetGenerator256
    c = ours.config
    cls = ResnetGenerator128 if c["size"] == 128 else ResnetGenerator256
    return load_strict(cls(ch=c["ch"], z_dim=c["z_dim"], num_classes=c["num_classes"]), ours)


def lostgan_call(reference: bool) -> Callable[[nn.Module, tuple], torch.Tensor]:
    """Batch 1 in eval; the norm calibration (training mode) repeats the layout twice, since the PSP head's
    1x1 pooled batch norm cannot take statistics from one value per channel."""
    def call(net: nn.Module, args: tuple) -> torch.Tensor:
        if any(m.training for m in net.modules()):  # calibrate_norms puts only the norms in training mode
            args = tuple(torch.cat([a, a]) for a in args)
        z_obj, bbox, z_im, y = args
        return net(z_obj, bbox, z_im=z_im, y=y) if reference else net(z_obj, bbox, z_im, y)
    return call


def lostgan_inputs(device: torch.device) -> tuple:
    """A COCO test layout: 7 objects and one padding object off canvas, truncated-normal latents."""
    gen = torch.Generator().manual_seed(0)
    bbox = torch.rand(1, 8, 4, generator=gen) * torch.tensor([0.6, 0.6, 0.4, 0.4]) + torch.tensor([0, 0, 0.1, 0.1])
    bbox[0, -1] = torch.tensor([-0.6, -0.6, 0.5, 0.5])
    y = torch.randint(1, 183, (1, 8), generator=gen)
    y[0, -1] = 0
    z_obj = torch.randn(1, 8, 128, generator=gen).clamp(-2, 2)
    z_im = torch.randn(1, 128, generator=gen).clamp(-2, 2)
    return z_obj.to(device), bbox.to(device), z_im.to(device), y.to(device)


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

    # MUNIT / UNIT: one translation A -> B as the Convert workspace runs it (A's content encoder, B's decoder;
    # MUNIT with a given style); the published edges2shoes / summer2winter generator config
    from ganstudio.models import munit, unit

    munit_config = dict(dim=64 // width, style_dim=8, n_downsample=2, n_res=4, activ="relu", pad_type="reflect", mlp_dim=256 // width)

    def munit_inputs(device: torch.device) -> tuple:
        return image(3, 256, device), torch.randn(1, 8, generator=torch.Generator().manual_seed(2)).to(device)

    found.append(Case(
        "MUNIT A->B 256x256", f"dim={64 // width}, mlp_dim={256 // width}, style 8, 2 downsamplings, 4 residual blocks",
        lambda: nn.ModuleDict({"a": munit.AdaINGen(**munit_config), "b": munit.AdaINGen(**munit_config)}), munit_inputs,
        lambda net, args: munit.translator(net["a"], {"domain_b": net["b"]}, "AtoB")(*args),
        munit_reference, lambda net, args: net["b"].decode(net["a"].encode(args[0])[0], args[1].view(1, -1, 1, 1))))
    unit_config = dict(dim=64 // width, n_downsample=2, n_res=4, activ="relu", pad_type="reflect")
    found.append(Case(
        "UNIT A->B 256x256", f"dim={64 // width}, 2 downsamplings, 4 residual blocks",
        lambda: nn.ModuleDict({"a": unit.VAEGen(**unit_config), "b": unit.VAEGen(**unit_config)}), lambda device: (image(3, 256, device),),
        lambda net, args: unit.translator(net["a"], {"domain_b": net["b"]}, "AtoB")(*args),
        unit_reference, lambda net, args: net["b"].decode(net["a"].enc(args[0]))))
    # BicycleGAN: the published G_Unet_add_all (unet_256, z at every level, instance norm), one random code
    from ganstudio.models import bicyclegan

    bicycle = dict(input_nc=3, output_nc=3, nz=8, num_downs=8, ngf=64 // width, norm="instance", nl="relu", upsample="basic",
                   use_dropout=True, where_add="all")

    def bicycle_inputs(device: torch.device) -> tuple:
        return image(3, 256, device), torch.randn(1, 8, generator=torch.Generator().manual_seed(2)).to(device)

    found.append(Case(
        "BicycleGAN G 256x256", f"ngf={64 // width}, nz 8, z at every level, instance norm",
        lambda: bicyclegan.BicycleGenerator(**bicycle), bicycle_inputs,
        lambda net, args: bicyclegan.translator(net, {}, "AtoB")(*args),
        bicyclegan_reference, lambda net, args: net(*args)))

    # ProGAN: pytorch_GAN_zoo's celebAHQ-256 generator (z 512, 7 scales); DCGAN: pytorch/examples at its 64 px
    from ganstudio.models.dcgan import DCGANGenerator
    from ganstudio.models.progan import ProGANGenerator

    pgan = dict(z_dim=512, depth_scale0=512 // width, depth_other_scales=[d // width for d in (512, 512, 512, 256, 128, 64)])

    def latent_inputs(dim: int) -> Callable[[torch.device], tuple]:
        return lambda device: (torch.randn(1, dim, generator=torch.Generator().manual_seed(0)).to(device),)

    found.append(Case(
        "ProGAN 256x256", f"celebAHQ-256 layout: z 512, depths {[pgan['depth_scale0'], *pgan['depth_other_scales']]}, alpha 0",
        lambda: ProGANGenerator(**pgan), latent_inputs(512), lambda net, args: net(*args),
        pgan_reference, lambda net, args: net(*args)))
    dcgan = dict(z_dim=100, ngf=64 // width, img_resolution=64)
    found.append(Case(
        "DCGAN 64x64", f"pytorch/examples: nz 100, ngf {64 // width}, batch norm (running statistics)",
        lambda: DCGANGenerator(**dcgan), latent_inputs(100), lambda net, args: net(*args),
        dcgan_reference, lambda net, args: net(args[0][:, :, None, None])))
    # InstaGAN: one pass of the published procedure (the image and two instance masks) at shp2gir_coco's 200x200
    from ganstudio.models.instagan import ResnetSetGenerator

    insta = dict(input_nc=3, output_nc=3, ngf=64 // width, norm="instance", use_dropout=False, n_blocks=9)

    def insta_inputs(device: torch.device) -> tuple:
        masks = -torch.ones(1, 2, 200, 200, device=device)
        masks[:, 0, 20:120, 30:150] = 1
        masks[:, 1, 110:190, 60:140] = 1
        return (torch.cat([image(3, 200, device), masks], dim=1),)

    found.append(Case(
        "InstaGAN G pass 200x200", f"ngf={64 // width}, 9 blocks per encoder, image + 2 masks (shp2gir_coco)",
        lambda: ResnetSetGenerator(**insta), insta_inputs, lambda net, args: net(*args),
        instagan_reference, lambda net, args: net(*args)))
    # LostGAN-v2: the published COCO 128 px generator (ch 64, 184 classes), one layout of 8 objects
    from ganstudio.models.lostgan import LostGANGenerator

    lost = dict(size=128, ch=64 // width, num_classes=184)
    found.append(Case(
        "LostGAN-v2 128x128", f"netGv2_coco128 layout: ch={64 // width}, 184 classes, 8 objects (1 padding)",
        lambda: LostGANGenerator(**lost), lostgan_inputs, lostgan_call(False), lostgan_reference, lostgan_call(True)))
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


def calibrate_norms(net: nn.Module, call: Callable[[nn.Module, tuple], torch.Tensor], args: tuple) -> None:
    """Batch norms' running statistics from one forward on the inputs, as training leaves them.

    With fresh statistics (mean 0, variance 1) untrained deep networks grow
    their activations block after block (SEAN's reach 1e25 before the tanh), so
    every output saturates and a single rounding flips a pixel from -1 to 1:
    comparisons of such outputs measure noise, not the networks.
    """
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
    if not norms:
        return
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average: one batch sets the statistics
        m.train()
    with torch.no_grad():
        call(net, args)
    for m in norms:
        m.momentum = 0.1
    net.eval()


def precision_runner(case: Case, ours: nn.Module, args: tuple, device: torch.device, mode: str = "auto") -> tuple[Runner, str]:
    """Ours in the precision the app's policy measures for it (ganstudio.engine.precision), or in bf16
    autocast + channels_last whatever its error (mode "bf16"), and a description."""
    from ganstudio.engine.precision import (
        FP32,
        Candidate,
        Gate,
        autocast_context,
        candidates,
        fp32_island_classes,
        keep_in_fp32,
        measure,
    )

    def with_candidate(candidate):  # type: ignore[no-untyped-def]
        def call(net: nn.Module, call_args: tuple) -> torch.Tensor:
            if candidate.channels_last:
                call_args = tuple(a.contiguous(memory_format=torch.channels_last)
                                  if isinstance(a, torch.Tensor) and a.dim() == 4 and a.is_floating_point() else a for a in call_args)
            with autocast_context(device, candidate.autocast):
                return case.call(net, call_args)
        return call

    def apply(candidate) -> None:  # type: ignore[no-untyped-def]
        ours.to(memory_format=torch.channels_last if candidate.channels_last else torch.contiguous_format)
        keep_in_fp32(ours, candidate.keep_fp32, device.type)

    def probe() -> list:
        # the autocast of the candidate is already on (measure() enters it)
        return [case.call(ours, args).float().clamp(-1, 1).cpu().numpy()]

    if mode == "auto":
        choice = measure(probe, apply, device, candidates(device), Gate(), fp32_island_classes(ours))
    else:
        forced = Candidate(torch.bfloat16, channels_last=True)
        choice = measure(probe, apply, device, [FP32, forced], Gate(float("inf"), float("inf")))
        row = next(m for m in choice.table if m.candidate == forced)
        fp32_row = next(m for m in choice.table if m.candidate == FP32)
        choice = replace(choice, candidate=forced, error=row.error, speedup=fp32_row.seconds / row.seconds)
        apply(forced)
    text = f"{choice.candidate.name}: {choice.speedup:.2f}x fp32, error mean {choice.error.mean:.2f} p99 {choice.error.p99:.1f} max {choice.error.max:.0f} levels"
    fp32_s = next(m.seconds for m in choice.table if m.candidate.autocast is None and not m.candidate.channels_last)
    text += " (measured: " + "; ".join(
        f"{m.candidate.name} " + (f"{fp32_s / m.seconds:.2f}x" if m.passed else "failed") + f" {m.error.mean:.2f}/{m.error.p99:.1f}"
        for m in choice.table) + ")"
    return (ours, with_candidate(choice.candidate)), text


def run(case: Case, device: torch.device, reference_root: Path | None, warmup: int, repeats: int, budget_s: float,
        precision: str = "fp32") -> None:
    torch.manual_seed(0)
    ours = case.build().eval().requires_grad_(False)
    args = case.inputs(device)
    calibrate_norms(ours, case.call, args)
    runners: list[Runner] = [(ours, case.call)]
    problem = ""
    if reference_root is not None and case.reference is not None:
        try:
            runners.append((case.reference(reference_root, ours).requires_grad_(False).to(device), case.call_reference))
        except Exception as exc:  # a reference that cannot be built here is reported, not fatal
            problem = f"  reference unavailable ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    ours.to(device)
    chosen = ""
    if precision != "fp32":
        runners[0], chosen = precision_runner(case, ours, args, device, precision)
    with cpu_cuda_calls(device):
        results = time_forwards(runners, args, device, warmup, repeats, budget_s)
    ours_s, ours_n, ours_out = results[0]
    line = f"{case.name:<28} {device.type:<5} ours {ours_s * 1000:9.1f} ms (n={ours_n})"
    if len(results) > 1:
        ref_s, ref_n, ref_out = results[1]
        diff = float((ours_out.float() - ref_out.float()).norm() / ref_out.float().norm().clamp_min(1e-12))
        line += f"  reference {ref_s * 1000:9.1f} ms (n={ref_n})  ours/ref {ours_s / ref_s:5.2f}  rel L2 diff {diff:.1e}"
        if chosen:
            line += f"  ref/ours {ref_s / ours_s:4.2f}x"
    if chosen:
        line += f"\n{'':<35}precision {chosen}"
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
    parser.add_argument("--precision", choices=["fp32", "auto", "bf16"], default="fp32",
                        help="auto: ours runs in the precision the app's policy measures for it; bf16: in bf16 autocast + "
                             "channels_last whatever its error (the reference stays fp32)")
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
    ours_precision = {"auto": "the precision measured by the app's policy (reference fp32)",
                      "bf16": "bf16 autocast + channels_last (reference fp32)"}.get(args.precision, "fp32")
    print(f"# batch 1, ours in {ours_precision}, eval, inference_mode; median of up to {repeats} run(s) (n=, stopping after "
          f"{args.budget:g} s) after {warmup} warm-up; ours and the reference alternate; batch norms calibrated on the input")
    selected = [c for c in cases(args.quick) if not args.only or args.only.lower() in c.name.lower()]
    for case in selected:
        print(f"# {case.name}: {case.config_text}" + "".join(f"; {note}" for note in case.notes))
    started = time.perf_counter()
    for device in devices:
        for case in selected:
            run(case, device, args.reference_root, warmup, repeats, args.budget, args.precision)
    print(f"# total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
