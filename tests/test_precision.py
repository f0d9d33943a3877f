"""Speed choices of the training step keep the model: --precision, fused Adam."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vcgan.tasks.cyclegan import CycleGANConfig, CycleGANTask  # noqa: E402
from vcgan.train import precision  # noqa: E402
from vcgan.train.trainer import TrainerConfig  # noqa: E402
from vcgan.utils.config import ConfigError  # noqa: E402


def test_fp32_is_float32_throughout_and_bf16_is_bfloat16_anywhere():
    assert precision.resolve_precision("fp32", torch.device("cpu")) is None
    assert precision.resolve_precision("bf16", torch.device("cpu")) is torch.bfloat16


def test_auto_follows_the_hardware(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(precision, "native_bf16", lambda device: True)
    assert precision.resolve_precision("auto", cpu) is torch.bfloat16
    monkeypatch.setattr(precision, "native_bf16", lambda device: False)
    assert precision.resolve_precision("auto", cpu) is None


def test_native_bf16_on_cpu_is_what_onednn_reports():
    assert precision.native_bf16(torch.device("cpu")) == torch.ops.mkldnn._is_mkldnn_bf16_supported()


def test_bad_precision_is_refused_by_name():
    with pytest.raises(ValueError, match="fp16.*fp32, bf16, auto|fp32, bf16, auto.*fp16"):
        precision.resolve_precision("fp16", torch.device("cpu"))
    with pytest.raises(ConfigError, match="precision"):
        TrainerConfig(precision="half")


def test_describe():
    assert precision.describe(None) == "fp32"
    assert precision.describe(torch.bfloat16) == "bf16 autocast"


def tiny_task(**kwargs) -> CycleGANTask:
    cfg = CycleGANConfig.from_dict({"model": "cyclegan_vc2", "crop_frames": 32,
                                    "generator": {"base_channels": 8, "res_channels": 8, "n_res_blocks": 2},
                                    "discriminator": {"base_channels": 8}})
    return CycleGANTask(cfg, 24, **kwargs)


def test_the_task_uses_fused_adam_and_it_updates_like_the_reference_loop():
    task = tiny_task()
    opt = task.optimizers()["generator"]
    assert opt.param_groups[0]["fused"] is True
    params = [p for g in opt.param_groups for p in g["params"]]
    start = [p.detach().clone() for p in params]
    ref_params = [torch.nn.Parameter(p.clone()) for p in start]
    group = opt.param_groups[0]
    ref = torch.optim.Adam(ref_params, lr=group["lr"], betas=group["betas"], foreach=False)
    g = torch.Generator().manual_seed(0)
    for _ in range(10):
        for p, q in zip(params, ref_params):
            p.grad = torch.randn(p.shape, generator=g) * 1e-3
            q.grad = p.grad.clone()
        opt.step()
        ref.step()
    moved = max(float((p.detach() - s).abs().max()) for p, s in zip(params, start))
    assert moved > 1e-3  # ten steps of lr 2e-4
    for p, q in zip(params, ref_params):  # a few float32 ulps: rounding, not another update rule
        torch.testing.assert_close(p.detach(), q.detach(), rtol=5e-7, atol=1e-9)


def test_a_checkpoint_of_a_per_tensor_adam_resumes_fused():
    task = tiny_task()
    state = task.state_dict()
    for opt_state in state["optimizers"].values():
        for group in opt_state["param_groups"]:
            group["fused"], group["foreach"] = None, None  # as saved before fused Adam
    resumed = tiny_task()
    resumed.load_state_dict(state)
    assert all(g["fused"] is True for o in resumed.optimizers().values() for g in o.param_groups)


def test_precision_from_the_command_line_overrides_the_config(tmp_path):
    import yaml

    from vcgan.train.config import TrainingConfig
    from vcgan.train.run import with_overrides
    path = tmp_path / "train.yaml"
    path.write_text(yaml.safe_dump({"task": "cyclegan", "model": {"model": "cyclegan_vc2"},
                                    "trainer": {"precision": "fp32"}}))
    cfg = TrainingConfig.from_yaml(path)
    assert cfg.trainer.precision == "fp32"
    assert with_overrides(cfg, precision="bf16").trainer.precision == "bf16"
    assert with_overrides(cfg, compile=True).trainer.compile is True
    assert with_overrides(cfg, precision=None) is cfg  # nothing given, nothing changed
    assert TrainerConfig().precision == "auto"


def test_compile_compiles_every_network_in_place_and_they_compute_the_same():
    task = tiny_task()
    generator = task.modules()["generator_a2b"]
    keys = list(generator.state_dict())
    x = torch.randn(1, 24, 32, requires_grad=True)
    want = generator(x)
    (want_grad,) = torch.autograd.grad(want.square().sum(), x)
    # Dynamo's capture and AOT autograd as in training, without inductor's C++ code generation
    # (a minute for this network; tools/bench_train.py --compare bf16+compile runs it)
    task.compile(backend="aot_eager")
    assert all(m._compiled_call_impl is not None for m in task.modules().values())
    assert list(generator.state_dict()) == keys  # checkpoints and bundles keep their keys
    got = generator(x)
    (got_grad,) = torch.autograd.grad(got.square().sum(), x)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(got_grad, want_grad, rtol=1e-4, atol=1e-5)
