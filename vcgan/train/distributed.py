"""Data-parallel training on ``torch.distributed``, as launched by ``torchrun``.

One node, two processes on CPU (gloo) or one per GPU (NCCL)::

    torchrun --nproc-per-node 2 -m vcgan train --config conf/x.yaml --train-dump dump/train --out exp/x

Many nodes: the same command on every node with ``--nnodes M --rdzv-backend c10d
--rdzv-endpoint HOST:PORT --rdzv-id JOB``. Nothing in the loop changes between one process
and many: the loop wraps the task's networks in
:class:`~torch.nn.parallel.DistributedDataParallel` (a family only declares them), and:

- ``batch_size`` is the *global* batch. Every rank's batch source draws the same global batch
  (same seed), and each rank keeps its own slice of it, so the ranks train on different crops
  and one config gives the same optimisation at any process count (the gradients DDP averages
  are those of the global batch's mean loss).
- The randomness inside a step (gradient-penalty mixing, ...) and the global RNGs are seeded
  per rank from the run's seed and the rank (rank 0 keeps the run's seed).
- Only rank 0 writes (checkpoints, TensorBoard, validation, bundle, logs); a checkpoint holds
  every rank's random state, so every rank resumes exactly.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

logger = logging.getLogger("vcgan.train")


@dataclass(frozen=True)
class ProcessGroup:
    """Where this process stands in the run: ``rank`` of ``world_size`` (``local_rank`` on its node)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes."""
        return self.rank == 0


SINGLE = ProcessGroup()


def from_environment(env: dict[str, str] | None = None) -> ProcessGroup:
    """The process group ``torchrun`` describes in ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``
    (one process when they are unset)."""
    env = os.environ if env is None else env
    world = int(env.get("WORLD_SIZE", "1"))
    return ProcessGroup(rank=int(env.get("RANK", "0")), world_size=world, local_rank=int(env.get("LOCAL_RANK", "0")))


def start(group: ProcessGroup, device: torch.device) -> torch.device:
    """Join the process group (NCCL on CUDA, gloo on CPU); returns this rank's device
    (``cuda:LOCAL_RANK`` when training on CUDA)."""
    if not group.distributed:
        return device
    if device.type == "cuda":
        device = torch.device("cuda", group.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    logger.info("rank %d of %d (local rank %d) on %s, backend %s", group.rank, group.world_size,
                group.local_rank, device, dist.get_backend())
    return device


def stop(group: ProcessGroup) -> None:
    if group.distributed and dist.is_initialized():
        dist.destroy_process_group()


def rank_seed(seed: int, rank: int) -> int:
    """Seed of rank ``rank``'s own random streams: ``seed`` on rank 0, a distinct value
    derived from ``(seed, rank)`` elsewhere (NumPy's SeedSequence, so ranks never collide)."""
    if rank == 0:
        return seed
    return int(np.random.SeedSequence([seed, rank]).generate_state(1)[0])


def local_batch_size(batch_size: int, group: ProcessGroup) -> int:
    """This rank's share of the global ``batch_size``.

    Raises:
        ValueError: ``batch_size`` is not a multiple of the number of processes.
    """
    if batch_size % group.world_size:
        raise ValueError(f"batch_size {batch_size} (the global batch) cannot be split over {group.world_size} "
                         f"processes; use a multiple of {group.world_size}")
    return batch_size // group.world_size


class ShardedBatches:
    """A batch source of which this rank sees its slice: every tensor's batch axis (dim 0)
    cut in ``world_size`` equal parts. Every rank's ``source`` must draw the same batches."""

    def __init__(self, source, group: ProcessGroup):
        self.source, self.group = source, group

    def next(self) -> dict[str, torch.Tensor]:
        batch = self.source.next()
        out = {}
        for key, value in batch.items():
            n = local_batch_size(len(value), self.group)
            out[key] = value[self.group.rank * n:(self.group.rank + 1) * n]
        return out

    def state_dict(self) -> dict[str, Any]:
        return self.source.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.source.load_state_dict(state)


def wrap_for_data_parallel(module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """``module`` in DistributedDataParallel (its parameters broadcast from rank 0 now)."""
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(module, device_ids=ids)


def unwrapped(module: torch.nn.Module) -> torch.nn.Module:
    """The network inside a DistributedDataParallel wrapper (``module`` itself otherwise)."""
    return module.module if isinstance(module, torch.nn.parallel.DistributedDataParallel) else module


@contextlib.contextmanager
def no_gradient_sync(modules):
    """Inside the block, the DDP wrappers among ``modules`` neither synchronise gradients
    nor wait for them: for networks run forward with frozen parameters (the discriminator in
    a generator update), whose gradients never come."""
    with contextlib.ExitStack() as stack:
        for m in modules:
            if isinstance(m, torch.nn.parallel.DistributedDataParallel):
                stack.enter_context(m.no_sync())
        yield


def gather(obj: Any, group: ProcessGroup) -> list[Any]:
    """``obj`` of every rank, in rank order (``[obj]`` in a single process)."""
    if not group.distributed:
        return [obj]
    out: list[Any] = [None] * group.world_size
    dist.all_gather_object(out, obj)
    return out


def any_rank(flag: bool, group: ProcessGroup) -> bool:
    """Whether ``flag`` is true on some rank (so that every rank stops at the same iteration)."""
    if not group.distributed:
        return flag
    on = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")
    t = torch.tensor([int(flag)], device=on)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())
