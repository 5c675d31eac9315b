"""Device choice, precision policy and the out-of-memory fallback chain."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ganstudio.engine.device import (
    Attempt,
    OutOfDeviceMemory,
    Runtime,
    choose_device,
    describe_device,
    is_out_of_memory,
    run_with_oom_fallback,
    runtime_for,
    worker_thread_count,
)


def fake_cuda_oom() -> torch.cuda.OutOfMemoryError:
    return torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total capacity)")


def test_cpu_is_always_available_and_described_with_its_threads() -> None:
    choice = choose_device("cpu")
    assert choice.device.type == "cpu" and choice.note == ""
    threads = torch.get_num_threads()
    assert choice.description == f"CPU ({threads} thread{'s' if threads != 1 else ''})"


def test_auto_follows_cuda_then_mps_then_cpu() -> None:
    choice = choose_device("auto")
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert choice.device.type == expected
    assert choice.description == describe_device(choice.device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_an_unavailable_request_falls_back_and_says_why() -> None:
    choice = choose_device("cuda:3")
    assert choice.device.type in ("cpu", "mps")
    assert "cuda:3" in choice.note and "not available" in choice.note
    assert "unknown device" in choose_device("tpu-9000").note


def test_worker_leaves_one_core_for_the_ui() -> None:
    assert worker_thread_count(8) == 7
    assert worker_thread_count(1) == 1


def test_precision_policy() -> None:
    assert runtime_for("cpu", "spade") == Runtime(torch.device("cpu"))  # fp32, no channels_last
    cuda_spade = runtime_for("cuda", "spade")
    assert cuda_spade.dtype == torch.float16 and cuda_spade.channels_last
    assert runtime_for("cuda", "stylegan2").dtype == torch.float32  # not half-safe
    assert runtime_for("cuda", "stylegan2", "fp16").dtype == torch.float16  # the user's override wins
    with pytest.raises(ValueError, match="unknown precision"):
        runtime_for("cuda", "spade", "fp8")


def test_runtime_moves_numpy_in_and_out() -> None:
    runtime = Runtime(torch.device("cpu"), torch.float64)
    image = runtime.tensor(np.ones((1, 3, 4, 4), np.float32))
    labels = runtime.tensor(np.arange(4, dtype=np.int64))
    assert image.dtype == torch.float64 and labels.dtype == torch.int64
    back = Runtime.numpy(image * 2)
    assert isinstance(back, np.ndarray) and back.dtype == np.float32 and back.max() == 2.0
    net = runtime.prepare(torch.nn.Conv2d(3, 3, 1).train())
    assert not net.training and net.weight.dtype == torch.float64 and not net.weight.requires_grad


def test_out_of_memory_is_recognised_on_every_backend() -> None:
    assert is_out_of_memory(fake_cuda_oom())
    assert is_out_of_memory(RuntimeError("MPS backend out of memory (MPS allocated: 8 GB)"))
    assert is_out_of_memory(RuntimeError("[enforce fail at alloc_cpu.cpp:83] DefaultCPUAllocator: can't allocate memory"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    assert not is_out_of_memory(ValueError("out of memory"))


def test_first_attempt_success_has_no_note() -> None:
    outcome = run_with_oom_fallback(lambda: 42, device="cuda", empty_cache=lambda: None)
    assert (outcome.result, outcome.note, outcome.on_cpu) == (42, "", False)


def test_oom_empties_the_cache_then_retries_at_lower_cost() -> None:
    freed: list[int] = []

    def full() -> str:
        raise fake_cuda_oom()

    outcome = run_with_oom_fallback(
        full, lower_cost=Attempt(lambda: "tiles", "tiled"), on_cpu=lambda: "cpu", device="cuda", empty_cache=lambda: freed.append(1)
    )
    assert outcome.result == "tiles" and outcome.note == "GPU out of memory: ran tiled instead"
    assert freed == [1]


def test_oom_at_lower_cost_falls_back_to_cpu_and_says_so() -> None:
    calls: list[str] = []

    def attempt(name: str):  # type: ignore[no-untyped-def]
        def run() -> str:
            calls.append(name)
            raise fake_cuda_oom()

        return run

    outcome = run_with_oom_fallback(
        attempt("full"), lower_cost=Attempt(attempt("tiled"), "tiled"), on_cpu=lambda: "cpu result", device="cuda", empty_cache=lambda: None
    )
    assert calls == ["full", "tiled"]
    assert outcome.result == "cpu result" and outcome.on_cpu
    assert outcome.note == "GPU out of memory: ran on the CPU instead (slower)"


def test_when_every_path_runs_out_the_error_says_what_was_tried() -> None:
    def full() -> None:
        raise fake_cuda_oom()

    with pytest.raises(OutOfDeviceMemory, match=r"the full job, then tiled\): CUDA out of memory"):
        run_with_oom_fallback(full, lower_cost=Attempt(full, "tiled"), device="cuda", empty_cache=lambda: None)


def test_other_errors_are_not_retried() -> None:
    retried: list[str] = []

    def broken() -> None:
        raise RuntimeError("Given groups=1, weight of size [8, 3, 3, 3], expected input to have 3 channels")

    with pytest.raises(RuntimeError, match="expected input"):
        run_with_oom_fallback(broken, on_cpu=lambda: retried.append("cpu"), device="cuda", empty_cache=lambda: None)
    assert retried == []


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_real_cuda_oom_falls_back_to_cpu() -> None:  # pragma: no cover - GPU machines only
    def huge() -> torch.Tensor:
        return torch.empty(1 << 50, device="cuda")

    outcome = run_with_oom_fallback(huge, on_cpu=lambda: torch.zeros(2), device="cuda")
    assert outcome.on_cpu and "CPU" in outcome.note
