"""Where a training iteration's time goes: FLOPs per step, the machine's matmul rate, and the slowest operators.

Builds the real `codegan.train.Trainer` of a shipped config on fake data of the right shape (as bench_step.py does),
then prints
  (1) the FLOPs of one D, G and E step (matrix products and convolutions, forward and backward, by torch's own
      FLOP formulas; the gradient penalty's double backward included),
  (2) the rate of a large float32 and bf16 matmul on this machine, and the time one iteration would take at that
      rate (a ceiling: no iteration made of these products can run faster),
  (3) the operators that take the most time in each step (torch.profiler, self time).

    python bench/profile_step.py --config fashionmnist_un --threads 2
    python bench/profile_step.py --config fashionmnist_un --threads 2 --set amp=true --top 8
"""
import argparse, os, sys, tempfile, time
from collections import Counter
from pathlib import Path
import torch
from torch.utils.flop_counter import flop_registry
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map
ROOT = Path(__file__).resolve().parents[1]
if __name__ == '__main__': sys.path.insert(0, str(ROOT))   # this checkout's package, whatever is installed
from codegan.config import cpu_bf16, parse_overrides
from codegan.testing import fake_run_config


class FlopCount(TorchDispatchMode):
    """FLOPs of every operator torch has a formula for (matmuls, convolutions), per operator; no module hooks, so the
    gradient penalty's `autograd.grad(create_graph=True)` works inside it (torch's FlopCounterMode refuses it)."""
    def __init__(self): super().__init__(); self.flops = Counter()
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        f = flop_registry.get(func._overloadpacket)
        if f is not None:
            shape = lambda t: t.shape if isinstance(t, torch.Tensor) else t
            self.flops[str(func._overloadpacket)] += f(*tree_map(shape, args), **tree_map(shape, kwargs),
                                                      out_val=tree_map(shape, out))
        return out


def matmul_rate(dtype, n=2048, reps=10)->float:
    "FLOP/s of an n-cube matmul in `dtype` on the CPU, after warm-up."
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(3): a @ b
    t0 = time.perf_counter()
    for _ in range(reps): a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - t0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config', default='fashionmnist_un', help="shipped config name or YAML path")
    p.add_argument('--threads', type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument('--set', dest='overrides', action='append', default=[], metavar='KEY=VALUE', help="override a config key")
    p.add_argument('--top', type=int, default=6, help="operators listed per step")
    p.add_argument('--reps', type=int, default=3, help="profiled repetitions of each step")
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    over = {'device': 'cpu', 'progress': False, 'eval_every': 0, 'ckpt_every': 0, **parse_overrides(a.overrides)}
    with tempfile.TemporaryDirectory(prefix='profile-step-') as work:
        cfg = fake_run_config(a.config, work, over, n=512)
        from codegan.train import Trainer
        tr = Trainer(cfg)
        steps = {'D': tr.d_step, 'G': tr.g_step, 'E': tr.e_step}
        for _ in range(2):
            for f in steps.values(): f()
        print(f"config {a.config}: amp {tr.amp}, compile {cfg.compile}, fused_adam {bool(tr.opt_g.param_groups[0]['fused'])}, "
              f"threads {torch.get_num_threads()}, torch {torch.__version__}")
        flops = {}
        for k, f in steps.items():
            with FlopCount() as fc: f()
            flops[k] = sum(fc.flops.values())
            parts = ', '.join(f"{op.split('.')[-1]} {v / 1e9:.1f}" for op, v in fc.flops.most_common())
            print(f"  {k} step: {flops[k] / 1e9:6.1f} GFLOP  ({parts})")
        per_it = flops['D'] + (flops['G'] + flops['E']) / cfg.n_critic
        print(f"  iteration: {per_it / 1e9:.1f} GFLOP = D + (G + E) / {cfg.n_critic}")
        for dt in (torch.float32, torch.bfloat16):
            if dt == torch.bfloat16 and not cpu_bf16():   # emulated: a 2048-cube takes ~30 s, the rate says nothing useful
                print("bfloat16 2048-cube matmul: skipped (no native bf16 on this CPU: torch emulates it, far slower than float32)")
                continue
            r = matmul_rate(dt)
            print(f"{str(dt).split('.')[-1]:>8s} 2048-cube matmul: {r / 1e9:6.0f} GFLOP/s -> an iteration at that rate: "
                  f"{per_it / r * 1e3:6.0f} ms (the ceiling)")
        from torch.profiler import profile, ProfilerActivity
        for k, f in steps.items():
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                for _ in range(a.reps): f()
            ev = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
            total = sum(e.self_cpu_time_total for e in ev) / a.reps / 1e3
            print(f"{k} step: {total:.1f} ms of operator time per step; slowest operators (self time per step):")
            for e in ev[:a.top]:
                print(f"    {e.key:32s} {e.self_cpu_time_total / a.reps / 1e3:7.1f} ms  ({e.count // a.reps} calls)")
    return 0


if __name__ == '__main__': sys.exit(main())
