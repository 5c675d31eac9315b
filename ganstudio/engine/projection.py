"""Project a photo into a StyleGAN2 model's latent space: find the ws that redraw it.

The optimisation follows the schedule of the StyleGAN2-ADA paper's projector
(Karras et al. 2020, Appendix; NVlabs/stylegan2-ada-pytorch `projector.py`):
start at the mean w (or at an encoder's guess), Adam with a learning rate that
ramps up over the first 5 % of the steps and down along a cosine over the last
25 %, Gaussian noise added to w that decays to nothing over the first 75 %,
and, when the noise buffers are optimised too, a penalty on their
autocorrelation at every scale of a pyramid plus renormalising them after each
step so they cannot swallow the image.

The distance differs from the paper's: it used VGG16 LPIPS features, a
download this application does not make. Ours is a sum of terms that need no
trained network (see `image_distance`): squared error on a pyramid of the
image (the finest level is exactly what PSNR measures), L1 on image gradients
(edges), and 1 - SSIM at the two finest levels (local structure/contrast).
docs/architecture.md has the figures that chose it.

`project()` is plain torch and Qt-free, used by the worker's session
(`ProjectionSession`, run by a `ProjectJob`) and by the `ganstudio-project`
command. Given the same seed it returns the same latent.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from .jobs import BatchJob, Job
from .session import RunContext, Session

CHANNEL = "projection"
W_AVG_SAMPLES = 10_000  # as the paper's projector: the mean and spread of W from this many mapped z
W_STATS_SEED = 123


# ---------------------------------------------------------------------------------- the job
class PreviewBox:
    """The newest preview of a running projection, handed from the worker to the app.

    Progress reports carry numbers and a message only; the picture goes through
    this box (a lock and one slot), which the job carries and the view-model
    reads when a progress report arrives. Thread-safe; never blocks for long.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: tuple[int, np.ndarray] | None = None

    def put(self, step: int, image: np.ndarray) -> None:
        with self._lock:
            self._value = (int(step), image)

    def take(self) -> tuple[int, np.ndarray] | None:
        """The newest (step, image) not taken yet, or None."""
        with self._lock:
            value, self._value = self._value, None
        return value


@dataclass(frozen=True, kw_only=True, eq=False)
class ProjectJob(BatchJob):
    """Project `target` (RGB uint8 at the model's resolution, already cropped) into W or W+.

    `previews` receives the picture every `preview_every` steps (None: none).
    `encoder_path`: a model file whose network maps images to ws, for the start.
    """

    channel: str = CHANNEL
    target: np.ndarray
    steps: int = 300
    w_plus: bool = False
    optimize_noise: bool = False
    seed: int = 0
    preview_every: int = 10
    encoder_path: str = ""
    previews: PreviewBox | None = None

    session: ClassVar[Any] = "ganstudio.engine.projection:ProjectionSession"
    title: ClassVar[str] = "Projection"

    def __post_init__(self) -> None:
        super().__post_init__()
        target = self.target
        if not isinstance(target, np.ndarray) or target.ndim != 3 or target.shape[2] != 3 or target.dtype != np.uint8:
            raise ValueError("the target must be an RGB uint8 image (H, W, 3)")
        if self.steps < 1:
            raise ValueError(f"steps must be at least 1, got {self.steps}")
        if self.preview_every < 1:
            raise ValueError(f"preview_every must be at least 1, got {self.preview_every}")


# ---------------------------------------------------------------------------------- settings and results
@dataclass(frozen=True)
class ProjectionSettings:
    """The optimisation's knobs; the defaults are the paper's schedule."""

    steps: int = 300
    w_plus: bool = False
    optimize_noise: bool = False
    seed: int = 0
    learning_rate: float = 0.1
    w_noise_factor: float = 0.05  # w noise at the start, in units of W's spread
    w_noise_ramp: float = 0.75  # fraction of the steps over which the w noise decays to 0
    lr_rampup: float = 0.05
    lr_rampdown: float = 0.25
    noise_regularize: float = 1e5
    preview_every: int = 10


@dataclass
class ProjectionStep:
    """One step's report: loss, PSNR of the current picture (dB), and a preview every few steps."""

    step: int
    total: int
    loss: float
    psnr: float
    preview: np.ndarray | None = None


@dataclass
class ProjectionResult:
    """ws [num_ws, w_dim] float32, the picture they make (uint8) and how close it is.

    With optimised noise, `image`/`psnr` use that noise (kept in `noise`) and
    `psnr_const_noise` is what the model's own noise makes of the ws, which is
    what the latent explorer shows.
    """

    ws: np.ndarray
    image: np.ndarray
    psnr: float
    psnr_const_noise: float
    loss: float
    steps: int
    noise: dict[str, np.ndarray] = field(default_factory=dict)


StepCallback = Callable[[ProjectionStep], None]


# ---------------------------------------------------------------------------------- helpers
def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 images (capped at 100 dB for identical ones)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse <= 1e-10 else 10.0 * math.log10(255.0**2 / mse)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """[1, C, H, W] in [-1, 1] -> (H, W, 3) uint8 (grey repeated for 1-channel models)."""
    x = x.detach()[0, :3].float()
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    return ((x.clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def to_tensor(image: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """(H, W, 3) uint8 -> [1, 3, H, W] float32 in [-1, 1]."""
    x = torch.from_numpy(np.array(image[..., :3], dtype=np.float32)).to(device)  # a copy: job arrays are read-only
    return x.permute(2, 0, 1)[None] / 127.5 - 1.0


def _ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean SSIM with a 7x7 box window, for images in [-1, 1] (dynamic range 2)."""
    c1, c2 = (0.01 * 2) ** 2, (0.03 * 2) ** 2
    pool = lambda x: F.avg_pool2d(x, 7, 1, 3, count_include_pad=False)  # noqa: E731 - a local shorthand
    mu_a, mu_b = pool(a), pool(b)
    var_a = pool(a * a) - mu_a**2
    var_b = pool(b * b) - mu_b**2
    cov = pool(a * b) - mu_a * mu_b
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return ssim.mean()


@dataclass(frozen=True)
class DistanceWeights:
    """How much each term of `image_distance` counts; all zero but `pixel` is plain MSE."""

    pixel: float = 1.0  # MSE at full size (what PSNR measures)
    pyramid: float = 1.0  # MSE at 1/2, 1/4, 1/8: colour and layout before detail
    gradient: float = 0.5  # L1 of horizontal/vertical differences: edges
    ssim: float = 0.2  # 1 - SSIM at full and half size: local contrast and structure


DEFAULT_WEIGHTS = DistanceWeights()
PIXEL_ONLY = DistanceWeights(pixel=1.0, pyramid=0.0, gradient=0.0, ssim=0.0)


def image_distance(synth: torch.Tensor, target: torch.Tensor, weights: DistanceWeights = DEFAULT_WEIGHTS) -> torch.Tensor:
    """A distance between [N, C, H, W] images in [-1, 1] that needs no downloaded network."""
    loss = weights.pixel * F.mse_loss(synth, target)
    a, b = synth, target
    for level in range(3):
        if weights.ssim and level < 2:
            loss = loss + weights.ssim * (1.0 - _ssim(a, b))
        if weights.gradient and level == 0:
            dx = lambda x: x[..., :, 1:] - x[..., :, :-1]  # noqa: E731
            dy = lambda x: x[..., 1:, :] - x[..., :-1, :]  # noqa: E731
            loss = loss + weights.gradient * ((dx(a) - dx(b)).abs().mean() + (dy(a) - dy(b)).abs().mean())
        if a.shape[-1] < 8:
            break
        a, b = F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)
        if weights.pyramid:
            loss = loss + weights.pyramid * F.mse_loss(a, b)
    return loss


def noise_regularization(noise: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """The paper's penalty: squared autocorrelation at one-pixel shifts, at every level of a pyramid down to 8x8."""
    total = torch.zeros([])
    for buf in noise.values():
        x = buf[None, None]
        while True:
            total = total + (x * torch.roll(x, 1, dims=3)).mean() ** 2 + (x * torch.roll(x, 1, dims=2)).mean() ** 2
            if x.shape[2] <= 8:
                break
            x = F.avg_pool2d(x, 2)
    return total


def w_statistics(gen: torch.nn.Module, samples: int = W_AVG_SAMPLES, seed: int = W_STATS_SEED) -> tuple[torch.Tensor, float]:
    """(mean w [w_dim], spread): the root mean squared distance of mapped ws from their mean."""
    device = next(gen.parameters()).device
    z = torch.from_numpy(np.random.RandomState(seed).randn(samples, gen.z_dim)).to(device=device, dtype=torch.float32)
    c = None
    if getattr(gen, "c_dim", 0):
        # conditional models: classes in turn, so the mean covers all of them
        c = F.one_hot(torch.arange(samples, device=device) % gen.c_dim, gen.c_dim).float()
    with torch.no_grad():
        w = torch.cat([gen.mapping(z[i : i + 1000], None if c is None else c[i : i + 1000])[:, 0] for i in range(0, samples, 1000)])
    mean = w.mean(0)
    spread = float(((w - mean) ** 2).sum(1).mean().sqrt())
    return mean, spread


def schedule(step: int, settings: ProjectionSettings, w_std: float) -> tuple[float, float]:
    """(learning rate, w noise sigma) at `step`, as the paper's projector ramps them."""
    t = step / settings.steps
    noise = w_std * settings.w_noise_factor * max(0.0, 1.0 - t / settings.w_noise_ramp) ** 2
    ramp = min(1.0, (1.0 - t) / settings.lr_rampdown)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    ramp *= min(1.0, t / settings.lr_rampup) if settings.lr_rampup > 0 else 1.0
    return settings.learning_rate * ramp, noise


def encoder_start(encoder: Callable[[torch.Tensor], torch.Tensor], target: torch.Tensor, num_ws: int, w_dim: int) -> torch.Tensor:
    """The encoder's ws [num_ws, w_dim] for `target` ([1, 3, H, W] in [-1, 1]); ValueError when it gives another shape."""
    try:
        with torch.no_grad():
            out = encoder(target)
    except (RuntimeError, TypeError, ValueError) as exc:  # e.g. a generator file given as the encoder
        raise ValueError(f"the encoder does not map images to ws: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    if not isinstance(out, torch.Tensor):
        raise ValueError(f"the encoder returned {type(out).__name__}, not a tensor of ws")
    if tuple(out.shape) == (1, w_dim):  # an encoder into W: one w for every layer
        out = out[:, None].expand(1, num_ws, w_dim)
    if tuple(out.shape) != (1, num_ws, w_dim):
        raise ValueError(f"the encoder gives shape {list(out.shape)}; this model needs [1, {num_ws}, {w_dim}]")
    return out[0].float()


# ---------------------------------------------------------------------------------- the optimisation
def project(
    gen: torch.nn.Module,
    target: np.ndarray,
    settings: ProjectionSettings = ProjectionSettings(),
    *,
    encoder: Callable[[torch.Tensor], torch.Tensor] | None = None,
    w_stats: tuple[torch.Tensor, float] | None = None,
    weights: DistanceWeights = DEFAULT_WEIGHTS,
    on_step: StepCallback | None = None,
) -> ProjectionResult:
    """Find ws for which `gen` draws `target` ((R, R, 3) uint8 at its resolution).

    `on_step` is called after every step (it may raise to stop, e.g. Cancelled).
    `w_stats` saves recomputing the mean and spread of W (see `w_statistics`).
    The model is not changed: its noise buffers are overridden per call.
    """
    synthesis = gen.synthesis
    resolution = int(synthesis.img_resolution)
    num_ws, w_dim = int(gen.num_ws), int(gen.w_dim)
    if target.ndim != 3 or target.shape[2] < 3 or target.dtype != np.uint8:
        raise ValueError("the target must be an RGB uint8 image")
    if target.shape[:2] != (resolution, resolution):
        raise ValueError(f"the target is {target.shape[1]}x{target.shape[0]}; this model draws {resolution}x{resolution}: crop it first")
    device = next(gen.parameters()).device
    target_t = to_tensor(target, device)
    if int(synthesis.img_channels) == 1:
        target_t = target_t.mean(1, keepdim=True)
    w_avg, w_std = w_stats if w_stats is not None else w_statistics(gen)

    # start: the encoder's guess (its mean over layers in W mode), else the mean w
    if encoder is not None:
        start = encoder_start(encoder, to_tensor(target, device), num_ws, w_dim)
        start = start if settings.w_plus else start.mean(0, keepdim=True)
    else:
        start = w_avg[None].float()
    start = start.to(device)
    w_opt = (start.expand(num_ws, w_dim) if settings.w_plus else start).clone().requires_grad_(True)
    noise: dict[str, torch.Tensor] = {}
    if settings.optimize_noise:
        # from the model's own noise (normalised), so the result stays close to what the explorer draws
        for name, buf in synthesis.named_buffers():
            if name.endswith("noise_const"):
                b = buf.detach().float().clone()
                noise[name] = ((b - b.mean()) / b.std().clamp_min(1e-8)).requires_grad_(True)
    params = [w_opt, *noise.values()]
    optimizer = torch.optim.Adam(params, betas=(0.9, 0.999), lr=settings.learning_rate)
    rng = torch.Generator(device="cpu").manual_seed(int(settings.seed))

    def render(ws: torch.Tensor) -> torch.Tensor:
        if noise:
            return torch.func.functional_call(synthesis, dict(noise), (ws,), {"noise_mode": "const"})
        return synthesis(ws, noise_mode="const")

    loss_value = math.nan
    for step in range(settings.steps):
        lr, sigma = schedule(step, settings, w_std)
        for group in optimizer.param_groups:
            group["lr"] = lr
        jitter = torch.randn(w_opt.shape, generator=rng).to(device) * sigma
        ws = (w_opt + jitter).expand(num_ws, w_dim)[None]
        synth = render(ws)
        # clamped as the picture is shown: a pixel beyond the range that already shows right needs no pull
        loss = image_distance(synth.clamp(-1.0, 1.0), target_t, weights)
        if noise:
            loss = loss + settings.noise_regularize * noise_regularization(noise)
        # grads for our tensors only: the shared model's parameters get no .grad
        grads = torch.autograd.grad(loss, params)
        for p, g in zip(params, grads):
            p.grad = g
        optimizer.step()
        with torch.no_grad():
            for buf in noise.values():
                buf -= buf.mean()
                buf *= buf.square().mean().rsqrt()
        loss_value = float(loss.detach())
        if on_step is not None:
            image = to_uint8(synth)
            last = step + 1 == settings.steps
            preview = image if ((step + 1) % max(1, settings.preview_every) == 0 or last) else None
            on_step(ProjectionStep(step + 1, settings.steps, loss_value, psnr(image, target[..., :3]), preview))

    with torch.no_grad():
        final_ws = w_opt.detach().expand(num_ws, w_dim).float()
        image = to_uint8(render(final_ws[None]))
        plain = image if not noise else to_uint8(synthesis(final_ws[None], noise_mode="const"))
    return ProjectionResult(
        ws=final_ws.cpu().numpy().astype(np.float32),
        image=image,
        psnr=psnr(image, target[..., :3]),
        psnr_const_noise=psnr(plain, target[..., :3]),
        loss=loss_value,
        steps=settings.steps,
        noise={name: buf.detach().cpu().numpy() for name, buf in noise.items()},
    )


def stylegan_generator(loaded: Any) -> torch.nn.Module:
    """The generator of a loaded model, or ValueError naming what it is instead."""
    if "latent_space" not in getattr(loaded, "capabilities", ()):
        raise ValueError(f"a {getattr(loaded, 'arch', '?')} model has no latent space to project into; load a StyleGAN2 model")
    return loaded.module


def load_encoder(path: str, device: torch.device | str = "cpu") -> torch.nn.Module:
    """The network of an encoder file (images [B,3,H,W] in [-1,1] -> ws); CheckpointError/ValueError when unusable.
    A file that carries its encoder as the part "encoder" beside a generator (pSp / e4e) gives that part."""
    from ganstudio.checkpoints import load_model  # the engine loads files through the checkpoints package only

    loaded = load_model(path, device=device)
    return loaded.parts["encoder"].module if "encoder" in loaded.parts else loaded.module


# ---------------------------------------------------------------------------------- the session
class ProjectionSession(Session):
    """Runs ProjectJobs on the worker: progress every step, a preview every few, cancel between steps."""

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        assert isinstance(job, ProjectJob)
        if self.model is None:
            raise ValueError("no model is loaded")
        gen = stylegan_generator(self.model.loaded)
        encoder = None
        if job.encoder_path:
            encoder = self.cached("encoder", job.encoder_path, lambda: load_encoder(job.encoder_path, self.runtime.device))
        settings = ProjectionSettings(steps=job.steps, w_plus=job.w_plus, optimize_noise=job.optimize_noise,
                                      seed=job.seed, preview_every=job.preview_every)

        def on_step(report: ProjectionStep) -> None:
            if report.preview is not None and job.previews is not None:
                job.previews.put(report.step, report.preview)
            ctx.step(report.step, report.total, f"step {report.step} of {report.total}: PSNR {report.psnr:.1f} dB")

        # the runner runs jobs under inference mode; projection needs gradients
        with torch.inference_mode(False), torch.enable_grad():
            stats = self.cached("w_stats", 0, lambda: w_statistics(gen))
            result = project(gen, np.array(job.target), settings, encoder=encoder, w_stats=stats, on_step=on_step)
        return {"ws": result.ws, "image": result.image, "psnr": result.psnr,
                "psnr_const_noise": result.psnr_const_noise, "loss": result.loss, "steps": result.steps}
