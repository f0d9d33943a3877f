"""StarGAN training step: the source-and-target conditional loss and resumable batches."""

from __future__ import annotations

import torch

from vcgan.tasks.stargan import StarGANConfig, StarGANTask
from vcgan.tasks.stargan.data import SpeakerPairBatches
from vcgan.data.crops import CropSampler

TINY = {"model": "stargan_vc2", "crop_frames": 32, "batch_size": 2,
        "generator": {"base_channels": 8, "res_channels": 8, "n_blocks": 2}, "discriminator": {"base_channels": 8}}


def test_discriminator_sees_the_source_code_of_each_crop():
    task = StarGANTask(StarGANConfig.from_dict(TINY), 25, 3)
    seen = []
    task.modules()["discriminator"].register_forward_hook(lambda mod, args, out: seen.append(args[1].argmax(1).tolist()))
    src, tgt = torch.tensor([0, 2]), torch.tensor([1, 0])
    task.train_step(torch.randn(2, 25, 32), src, torch.randn(2, 25, 32), tgt, iteration=0)
    # G's adversarial term, then D on the real target crops and on the fakes: all with c_s.
    assert seen == [[0, 2]] * 3


def test_batches_draw_other_targets_and_resume_exactly():
    samplers = [CropSampler([torch.full((50, 4), float(k)).numpy()], 8, seed=k) for k in range(3)]
    batches = SpeakerPairBatches(samplers, 16, seed=0)
    b = batches.next()
    assert (b["src"] != b["tgt"]).all()
    assert torch.equal(b["x"][:, 0, 0], b["src"].float()) and torch.equal(b["y"][:, 0, 0], b["tgt"].float())
    state = batches.state_dict()
    after = batches.next()
    batches.load_state_dict(state)
    again = batches.next()
    assert all(torch.equal(after[k], again[k]) for k in after)
