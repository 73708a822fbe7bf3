"""Time CoDeGAN training iterations of a shipped config: ms per critic (D), generator (G) and encoder (E) step.

Runs the real `codegan.train.Trainer` with the config's own batch sizes and widths on fake data of the right
shape (written by `codegan.testing.fake_run_config` into a temporary folder, so no data set files are needed;
pre-trained weight files named by the config are replaced by random stand-ins of the right shape).
Each step is timed on its own after warm-up (with `torch.cuda.synchronize` on CUDA).

    python bench/bench_step.py --config fashionmnist_un --iters 20 [--device cpu|cuda] [--set key=value ...]
    python bench/bench_step.py --config cifar10_un --iters 3 --warmup 1 --threads 2

One iteration = one D step, plus one G and one E step every `n_critic` iterations, so
ms/iteration = D + (G + E) / n_critic. images/s counts the real images the critic consumes (batch_d per iteration);
the full-run estimate multiplies ms/iteration by the config's length on the real data set.
"""
import argparse, json, shlex, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
import yaml
from codegan.data import DATASETS
from codegan.testing import fake_run_config
from codegan.run import config_path, parse_overrides

TRAIN_SIZES = {'digits': 1437, 'mnist': 60000, 'fashion_mnist': 60000, 'cifar10': 50000, 'cifar100': 50000, 'coil20': 1440}


def count(m): return sum(p.numel() for p in m.parameters())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config', default='fashionmnist_un', help="shipped config name or YAML path")
    p.add_argument('--iters', type=int, default=20, help="timed iterations (each times one D, one G and one E step)")
    p.add_argument('--warmup', type=int, default=2, help="untimed iterations first")
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--threads', type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument('--set', dest='overrides', action='append', default=[], metavar='KEY=VALUE', help="override a config key (repeatable)")
    p.add_argument('--json', help="also write the figures to this JSON file")
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    print("command:", shlex.join([Path(sys.argv[0]).as_posix()] + (sys.argv[1:] if argv is None else list(argv))))
    raw = yaml.safe_load(config_path(a.config).read_text()) or {}
    over = {'device': a.device, 'progress': False, 'eval_every': 0, 'ckpt_every': 0, **parse_overrides(a.overrides)}
    ds = over.get('dataset', raw.get('dataset', 'digits'))
    n = max(512, over.get('labels_per_class', raw.get('labels_per_class', 0)) * DATASETS[ds].n_classes)
    with tempfile.TemporaryDirectory(prefix='bench-step-') as work:
        cfg = fake_run_config(a.config, work, over, n=n)
        from codegan.train import Trainer
        tr = Trainer(cfg)
        dev = tr.device
        sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
        tr.G.train(); tr.D.train(); tr.E.train()
        for _ in range(a.warmup): tr.d_step(); tr.g_step(); tr.e_step()
        sync()
        t = {'D': [], 'G': [], 'E': []}
        for _ in range(a.iters):
            for k, step in (('D', tr.d_step), ('G', tr.g_step), ('E', tr.e_step)):
                t0 = time.perf_counter(); step(); sync(); t[k].append((time.perf_counter() - t0) * 1e3)
        n_real = tr.n_iters if cfg.epochs is None else None
    ms = {k: float(np.median(v)) for k, v in t.items()}
    it = ms['D'] + (ms['G'] + ms['E']) / cfg.n_critic
    full_iters = (int(np.ceil(cfg.epochs * TRAIN_SIZES[cfg.dataset] / cfg.batch_d)) if cfg.epochs is not None else n_real)
    gpu = f" ({torch.cuda.get_device_name(dev)})" if dev.type == 'cuda' else ''
    print(f"torch {torch.__version__} | device {dev}{gpu} | threads {torch.get_num_threads()} | amp {cfg.amp} | compile {cfg.compile}")
    print(f"config {a.config}: {cfg.dataset}, family {cfg.family}, width {cfg.width}, adv {cfg.adv_loss}, n_critic {cfg.n_critic}, "
          f"batches D {cfg.batch_d} / G {cfg.batch_g} / E {cfg.batch_e} (EZ {tr.batch_ez})"
          + (f" + {cfg.batch_l or len(tr.lab_idx)} labelled" if tr.lab_idx is not None else ''))
    print(f"parameters: G {count(tr.G) / 1e6:.2f} M, D {count(tr.D) / 1e6:.2f} M, E {count(tr.E) / 1e6:.2f} M")
    print(f"median over {a.iters} timed iterations after {a.warmup} warm-up:")
    for k in ('D', 'G', 'E'): print(f"  {k} step {ms[k]:9.1f} ms   (min {min(t[k]):.1f}, max {max(t[k]):.1f})")
    print(f"  iteration {it:9.1f} ms = D + (G + E) / {cfg.n_critic}   ->  {cfg.batch_d / it * 1e3:.1f} real images/s, "
          f"{1e3 / it:.2f} it/s")
    print(f"full run: {full_iters} iterations ({cfg.epochs} epochs of {TRAIN_SIZES[cfg.dataset]} images) ~ "
          f"{full_iters * it / 3.6e6:.1f} h at this speed" if cfg.epochs is not None else
          f"full run: {full_iters} iterations ~ {full_iters * it / 3.6e6:.1f} h at this speed")
    if a.json:
        Path(a.json).write_text(json.dumps(dict(config=a.config, torch=torch.__version__, device=str(dev) + gpu, threads=torch.get_num_threads(),
                                                ms=ms, ms_all=t, ms_iteration=it, images_per_s=cfg.batch_d / it * 1e3,
                                                full_iters=full_iters, cfg={k: getattr(cfg, k) for k in ('width', 'batch_d', 'batch_g', 'batch_e', 'n_critic', 'amp', 'compile')}), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
