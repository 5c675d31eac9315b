"""InstaGAN's engine job: the published procedure on a picture and painted masks, progress, cancel between passes."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import load_model
from ganstudio.engine.device import CPU_RUNTIME
from ganstudio.engine.instance_session import InstanceConvertJob, InstanceTranslateSession
from ganstudio.models.instagan_procedure import order_by_area, translate_instances
from ganstudio.engine.model_cache import ReadyModel
from ganstudio.engine.session import Cancelled, CancelToken, RunContext

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "instagan", "latest_net_G_A.pth")


@pytest.fixture(scope="module")
def session() -> InstanceTranslateSession:
    loaded = load_model(FIXTURE)
    return InstanceTranslateSession(ReadyModel(loaded, CPU_RUNTIME, key=id(loaded)), CPU_RUNTIME)


def picture_and_masks(height: int, width: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    masks = np.zeros((count, height, width), dtype=np.uint8)
    for i in range(count):
        masks[i, 2 : 4 + 3 * i, 1 : 5 + 2 * i] = 255  # mask i grows with i: the last is the largest
    return image, masks


def test_job_matches_the_procedure_on_tensors(session) -> None:
    image, masks = picture_and_masks(24, 20, 3)
    out = session.run(InstanceConvertJob(channel="t", image=image, masks=masks), RunContext(InstanceConvertJob(channel="t", image=image, masks=masks)))
    assert out["image"].shape == (24, 20, 3) and out["masks"].shape == (3, 24, 20)
    assert list(out["order"]) == [2, 1, 0] and out["passes"] == 2
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 127.5 - 1
    m = torch.from_numpy(masks.astype(np.float32))[None] / 127.5 - 1
    expected = translate_instances(session.model.module, x, m)
    assert np.abs(out["image"].astype(int) - ((expected.image[0].permute(1, 2, 0) + 1) * 127.5).round().numpy().astype(int)).max() <= 1


def test_odd_sizes_are_padded_and_cropped(session) -> None:
    image, masks = picture_and_masks(13, 18, 2)
    job = InstanceConvertJob(channel="t", image=image, masks=masks)
    out = session.run(job, RunContext(job))
    assert out["image"].shape == (13, 18, 3) and out["masks"].shape == (2, 13, 18)


def test_progress_per_pass_and_cancel_between_passes(session) -> None:
    image, masks = picture_and_masks(16, 16, 5)
    job = InstanceConvertJob(channel="t", image=image, masks=masks, max_instances=6)
    seen: list[tuple[int, int]] = []
    token = CancelToken()

    def report(progress) -> None:
        seen.append((progress.done, progress.total))
        if progress.done == 1:
            token.cancel()  # asked during the second pass's report: the third never starts

    with pytest.raises(Cancelled):
        session.run(job, RunContext(job, cancel=token, report=report))
    assert seen == [(0, 3), (1, 3)]


def test_bad_inputs_are_refused_in_our_words(session) -> None:
    image, masks = picture_and_masks(16, 16, 2)
    for bad_masks, says in ((masks[:, :8], "masks of its size"), (masks[:0], "at least one instance")):
        job = InstanceConvertJob(channel="t", image=image, masks=bad_masks)
        with pytest.raises(ValueError, match=says):
            session.run(job, RunContext(job))
    job = InstanceConvertJob(channel="t", image=image, masks=masks, reverse=True)
    with pytest.raises(ValueError, match="no B -> A"):
        session.run(job, RunContext(job))


def test_order_is_largest_first_and_stable() -> None:
    masks = -torch.ones(1, 4, 8, 8)
    masks[0, 1, :4] = 1
    masks[0, 3, :2] = 1
    assert order_by_area(masks) == [1, 3, 0, 2]
