"""CycleGANTask: one training step, schedules, two-step discriminators, determinism, resume.

All configs here are reduced (tiny channels, 8 MCEPs, 32-frame crops, a handful of iterations)
so the tests run on a CPU in seconds; the paper configs stay the defaults of CycleGANConfig.
"""

import math

import pytest
import torch

from vcgan.tasks.cyclegan.config import CycleGANConfig, identity_weight, lr_lambda
from vcgan.tasks.cyclegan.task import CycleGANTask as _Task

MCEP, FRAMES = 8, 32


pytestmark = pytest.mark.usefixtures("single_torch_thread")


def tiny_cfg(model="cyclegan_vc2", **over):
    gen = {"base_channels": 4, "n_res_blocks": 1}
    if model == "cyclegan_vc2":
        gen["res_channels"] = 8
    data = {
        "model": model, "crop_frames": FRAMES, "generator": gen,
        "discriminator": {"base_channels": 4}, "n_iterations": 6, "decay_start": 2, "identity_iterations": 3,
    }
    data.update(over)
    return CycleGANConfig.from_dict(data)


def CycleGANTask(cfg, **kw):  # the feature dimension comes from the dump in training
    return _Task(cfg, MCEP, **kw)


def batches(seed=0, n=1):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(2, MCEP, FRAMES, generator=g), torch.randn(2, MCEP, FRAMES, generator=g)) for _ in range(n)]


def test_paper_defaults():
    vc1 = CycleGANConfig.paper("cyclegan_vc")
    assert (vc1.lambda_cycle, vc1.lambda_identity, vc1.identity_iterations) == (10.0, 5.0, 10_000)
    assert (vc1.lr_generator, vc1.lr_discriminator, vc1.adam_betas) == (2e-4, 1e-4, [0.5, 0.999])
    assert (vc1.batch_size, vc1.crop_frames, vc1.adversarial_loss) == (1, 128, "lsgan")
    assert (vc1.n_iterations, vc1.decay_start, vc1.two_step_adversarial) == (400_000, 200_000, False)
    vc2 = CycleGANConfig.paper("cyclegan_vc2")
    assert (vc2.two_step_adversarial, vc2.n_iterations, vc2.decay_start) == (True, 200_000, 100_000)
    assert CycleGANConfig() == vc1


def test_config_round_trip_and_unknown_keys():
    cfg = tiny_cfg(adversarial_loss="hinge")
    assert CycleGANConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown key"):
        CycleGANConfig.from_dict({"lambda_cyc": 10})


@pytest.mark.parametrize("model", ["cyclegan_vc", "cyclegan_vc2"])
def test_one_step_updates_every_parameter_of_every_network(model):
    task = CycleGANTask(tiny_cfg(model, two_step_adversarial=True))
    assert len(task.modules()) == 6
    before = {k: [p.detach().clone() for p in m.parameters()] for k, m in task.modules().items()}
    logs = task.train_step(*batches()[0], iteration=0)
    assert all(isinstance(v, float) for v in logs.values())
    for name, module in task.modules().items():
        for (pname, p), old in zip(module.named_parameters(), before[name]):
            assert not torch.equal(p, old), f"{name}.{pname} unchanged"


def test_two_step_discriminators_are_separate_and_only_they_see_cycles():
    task = CycleGANTask(tiny_cfg())
    m = task.modules()
    for side in "ab":
        first, second = m[f"discriminator_{side}"], m[f"discriminator_{side}2"]
        assert first is not second
        assert not {id(p) for p in first.parameters()} & {id(p) for p in second.parameters()}
    opt_d = {id(p) for g in task.optimizers()["discriminator"].param_groups for p in g["params"]}
    assert {id(p) for p in m["discriminator_a2"].parameters()} <= opt_d

    gen_calls, disc_inputs = [], {k: [] for k in m if k.startswith("discriminator")}
    for k in ("generator_a2b", "generator_b2a"):
        m[k].register_forward_hook(lambda mod, i, o, k=k: gen_calls.append((k, i[0].detach(), o.detach())))
    for k in disc_inputs:
        m[k].register_forward_hook(lambda mod, i, o, k=k: disc_inputs[k].append(i[0].detach()))
    real_a, real_b = batches()[0]
    task.train_step(real_a, real_b, iteration=0)

    def output_of(gen, inp):
        hits = [o for k, i, o in gen_calls if k == gen and torch.equal(i, inp)]
        assert len(hits) == 1
        return hits[0]

    fake_b, fake_a = output_of("generator_a2b", real_a), output_of("generator_b2a", real_b)
    cycle_a, cycle_b = output_of("generator_b2a", fake_b), output_of("generator_a2b", fake_a)

    def seen(k, x):
        return any(torch.equal(x, y) for y in disc_inputs[k])

    assert seen("discriminator_a2", cycle_a) and seen("discriminator_b2", cycle_b)
    assert seen("discriminator_a2", real_a) and seen("discriminator_b2", real_b)
    assert seen("discriminator_a", fake_a) and seen("discriminator_b", fake_b)
    for k in ("discriminator_a", "discriminator_b"):
        assert not seen(k, cycle_a) and not seen(k, cycle_b), f"{k} saw a cycle-converted input"
    for k in ("discriminator_a2", "discriminator_b2"):
        assert not seen(k, fake_a) and not seen(k, fake_b), f"{k} saw a one-step fake"


def test_without_two_step_there_are_four_networks():
    task = CycleGANTask(tiny_cfg("cyclegan_vc"))
    assert sorted(task.modules()) == ["discriminator_a", "discriminator_b", "generator_a2b", "generator_b2a"]
    assert task.train_step(*batches()[0], iteration=0)["generator/adversarial_second"] == 0.0


def test_identity_weight_schedule():
    cfg = CycleGANConfig()
    assert identity_weight(0, cfg) == 5.0
    assert identity_weight(9_999, cfg) == 5.0
    assert identity_weight(10_000, cfg) == 0.0
    assert identity_weight(150_000, cfg) == 0.0


def test_generators_run_once_per_use_and_identity_stops_at_cutoff():
    task = CycleGANTask(tiny_cfg())  # identity_iterations = 3
    calls = []
    for k in ("generator_a2b", "generator_b2a"):
        task.modules()[k].register_forward_hook(lambda *a: calls.append(1))
    data = batches(n=4)
    counts, logs = [], []
    for it, (a, b) in enumerate(data):
        calls.clear()
        logs.append(task.train_step(a, b, iteration=it))
        counts.append(len(calls))
    # 2 conversions + 2 cycles (+ 2 identity mappings while used); the D update reuses them.
    assert counts == [6, 6, 6, 4]
    assert [l["generator/identity_weight"] for l in logs] == [5.0, 5.0, 5.0, 0.0]
    assert logs[0]["generator/identity"] > 0 and logs[3]["generator/identity"] == 0.0


def test_lr_lambda_paper_schedule():
    cfg = CycleGANConfig()  # constant for 2e5, then linear to 0 at 4e5
    assert lr_lambda(0, cfg) == 1.0 and lr_lambda(199_999, cfg) == 1.0
    assert lr_lambda(200_000, cfg) == 1.0
    assert lr_lambda(300_000, cfg) == pytest.approx(0.5)
    assert lr_lambda(400_000, cfg) == 0.0


def test_each_optimizer_follows_its_own_schedule():
    cfg = tiny_cfg()  # n_iterations 6, decay_start 2
    task = CycleGANTask(cfg)
    opts, scheds = task.optimizers(), task.schedulers()
    assert opts["generator"] is not opts["discriminator"]
    assert scheds["generator"] is not scheds["discriminator"]
    assert scheds["generator"].optimizer is opts["generator"]
    assert scheds["discriminator"].optimizer is opts["discriminator"]
    g_lrs, d_lrs = [], []
    for it, (a, b) in enumerate(batches(n=6)):
        logs = task.train_step(a, b, iteration=it)
        g_lrs.append(logs["lr/generator"])
        d_lrs.append(logs["lr/discriminator"])
    factors = [1.0, 1.0, 1.0, 0.75, 0.5, 0.25]  # (6 - i) / (6 - 2) from i = 2
    assert g_lrs == pytest.approx([2e-4 * f for f in factors])
    assert d_lrs == pytest.approx([1e-4 * f for f in factors])


def _run(cfg, n=2):
    task = CycleGANTask(cfg)
    return task, [task.train_step(a, b, it) for it, (a, b) in enumerate(batches(n=n))]


@pytest.mark.parametrize("loss", ["lsgan", "wgan-gp"])
def test_same_seed_same_losses(loss):
    cfg = tiny_cfg(adversarial_loss=loss)
    (t1, l1), (t2, l2) = _run(cfg), _run(cfg)
    assert l1 == l2
    for k in t1.modules():
        for p1, p2 in zip(t1.modules()[k].parameters(), t2.modules()[k].parameters()):
            assert torch.equal(p1, p2)
    _, l3 = _run(tiny_cfg(adversarial_loss=loss, seed=1))
    assert l3 != l1


def test_state_dict_resume_reproduces_the_next_step():
    cfg = tiny_cfg(adversarial_loss="wgan-gp")
    data = batches(n=3)
    ref = CycleGANTask(cfg)
    ref_logs = [ref.train_step(a, b, it) for it, (a, b) in enumerate(data)]

    first = CycleGANTask(cfg)
    for it, (a, b) in enumerate(data[:2]):
        first.train_step(a, b, it)
    state = first.state_dict()
    resumed = CycleGANTask(tiny_cfg(adversarial_loss="wgan-gp", seed=123))  # different init, overwritten
    resumed.load_state_dict(state)
    assert resumed.train_step(*data[2], 2) == ref_logs[2]


def test_convert_any_length_with_the_right_generator():
    task = CycleGANTask(tiny_cfg())
    x = torch.randn(MCEP, 13)
    y = task.convert(x, "a2b")
    assert y.shape == x.shape
    padded = torch.cat([x, x[:, -1:].expand(MCEP, 3)], dim=1).unsqueeze(0)
    with torch.no_grad():
        expected = task.modules()["generator_a2b"](padded)[0, :, :13]
    torch.testing.assert_close(y, expected)
    assert not torch.allclose(task.convert(x, "b2a"), y)
    with pytest.raises(ValueError):
        task.convert(x, "ab")


def test_inference_window_converts_as_the_generator_was_trained_in_task_and_bundle():
    from vcgan.models import run_generator
    from vcgan.tasks.cyclegan.converter import CycleGANConverter
    from vcgan.features.stats import SpeakerStats
    cfg = tiny_cfg(inference_window=FRAMES)
    task = CycleGANTask(cfg)
    x = torch.randn(MCEP, 5 * FRAMES + 3, generator=torch.Generator().manual_seed(1))
    gen = task.modules()["generator_a2b"]
    windowed = task.convert(x, "a2b")
    torch.testing.assert_close(windowed, run_generator(gen, x, window=FRAMES))
    assert not torch.allclose(windowed, run_generator(gen, x), atol=1e-3)
    # the bundle's converter builds the same windows from the same config
    stats = {s: SpeakerStats(s, mean={"mcep": torch.zeros(MCEP).numpy()}, std={"mcep": torch.ones(MCEP).numpy()})
             for s in ("a", "b")}
    weights = {d: task.modules()[f"generator_{d}"].state_dict() for d in ("a2b", "b2a")}
    conv = CycleGANConverter(cfg, MCEP, ["a", "b"], stats, weights, torch.device("cpu"))
    torch.testing.assert_close(torch.from_numpy(conv.mcep_map("a", "b")(x.T.numpy()).T), windowed)


def test_sigmoid_output_requires_lsgan():
    with pytest.raises(ValueError, match="raw discriminator scores"):
        CycleGANTask(tiny_cfg("cyclegan_vc", adversarial_loss="hinge"))
    CycleGANTask(tiny_cfg("cyclegan_vc", adversarial_loss="hinge", discriminator={"base_channels": 4, "output_sigmoid": False}))


def test_bf16_precision_runs_forward_passes_in_bfloat16():
    # bf16 autocast exists on every CPU (native or emulated), so the code path runs here.
    task = CycleGANTask(tiny_cfg(), autocast_dtype=torch.bfloat16)
    dtypes = set()
    hook = task.modules()["generator_a2b"].register_forward_hook(lambda m, i, o: dtypes.add(o.dtype))
    before = {k: p.detach().clone() for k, p in task.modules()["generator_a2b"].named_parameters()}
    logs = task.train_step(torch.randn(1, MCEP, FRAMES), torch.randn(1, MCEP, FRAMES), iteration=0)
    hook.remove()
    assert dtypes == {torch.bfloat16}
    assert all(math.isfinite(v) for v in logs.values())
    after = dict(task.modules()["generator_a2b"].named_parameters())
    assert all(p.dtype == torch.float32 for p in after.values())  # master weights stay float32
    assert any(not torch.equal(before[k], after[k]) for k in before)
