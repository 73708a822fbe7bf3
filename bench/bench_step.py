"""Time CoDeGAN training iterations of a shipped config: ms per critic (D), generator (G) and encoder (E) step.

Runs the real `codegan.train.Trainer` with the config's own batch sizes and widths on fake data of the right
shape (written by `codegan.testing.fake_run_config` into a temporary folder, so no data set files are needed;
pre-trained weight files named by the config are replaced by random stand-ins of the right shape).
Each step is timed on its own after warm-up (with `torch.cuda.synchronize` on CUDA).

    python bench/bench_step.py --config fashionmnist_un --iters 20 [--device cpu|cuda] [--set key=value ...]
    python bench/bench_step.py --config cifar10_un --iters 3 --warmup 1 --threads 2
    python bench/bench_step.py --config fashionmnist_un --against f77b5c4 --rounds 3   # this checkout vs another commit
    python bench/bench_step.py --variant compile:compile=true --variant bf16:amp=true  # options off vs on, alternating
    python bench/bench_step.py --config fashionmnist_un --pretrain 256 --variant bf16:amp=true   # SimCLR pre-training steps
    (with --against REV, REV's pre-trainer must know the keys set: older ones have no `amp`)

`--against REV` checks REV out into a temporary git worktree and times it and this checkout in the same run,
alternating (this, REV, REV, this, ...; each side in a fresh process, with this script and the same arguments), then
prints the ratio of their median ms/iteration; `--variant` adds sides that run this checkout with other config keys. On a shared, noisy machine only such a ratio means something: absolute
times from another run, or another day, do not compare. A shipped config name resolves to each side's own copy of
that config (`digits` changed its recipe between versions); give a YAML path to time the very same settings.

One iteration = one D step, plus one G and one E step every `n_critic` iterations (`critic` in older versions), so
ms/iteration = D + (G + E) / n_critic. images/s counts the real images the critic consumes (batch_d per iteration);
the full-run estimate multiplies ms/iteration by the config's length on the real data set.
"""
import argparse, json, os, shlex, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
import yaml
ROOT = Path(__file__).resolve().parents[1]
if __name__ == '__main__' and os.environ.get('BENCH_SIDE') is None:
    sys.path.insert(0, str(ROOT))   # this checkout's package, whatever is installed
from codegan.data import DATASETS
from codegan.testing import fake_run_config
try: from codegan.config import config_path, parse_overrides        # since the config module
except ImportError:
    try: from codegan.run import config_path, parse_overrides       # since the run layer (older commits, --against)
    except ImportError: from codegan.train import config_path, parse_overrides   # before it

TRAIN_SIZES = {'mnist32': 60000, 'fashion_mnist32': 60000, 'colour_mnist32': 60000, 'digits': 1437, 'mnist': 60000, 'fashion_mnist': 60000, 'cifar10': 50000, 'cifar100': 50000, 'coil20': 1440}


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
    p.add_argument('--against', metavar='REV', help="also time git revision REV (a worktree of it), alternating; print the ratio")
    p.add_argument('--variant', action='append', default=[], metavar='NAME:KEY=VALUE[,...]',
                   help="also time this checkout with these overrides, alternating (repeatable), e.g. compile:compile=true")
    p.add_argument('--rounds', type=int, default=3, help="with --against/--variant: rounds, each timing every side once")
    p.add_argument('--pretrain', type=int, metavar='BATCH', default=None,
                   help="time SimCLR pre-training steps (codegan.pretrain, this batch) of the config's encoder instead")
    a = p.parse_args(argv)
    if a.against or a.variant: return alternate(a, argv)
    if a.threads: torch.set_num_threads(a.threads)
    print("command:", shlex.join([Path(sys.argv[0]).as_posix()] + (sys.argv[1:] if argv is None else list(argv))))
    raw = yaml.safe_load(config_path(a.config).read_text()) or {}
    over = {'device': a.device, 'progress': False, 'eval_every': 0, 'ckpt_every': 0, **parse_overrides(a.overrides)}
    ds = over.get('dataset', raw.get('dataset', 'digits'))
    n = max(512, over.get('labels_per_class', raw.get('labels_per_class', 0)) * DATASETS[ds].n_classes)
    with tempfile.TemporaryDirectory(prefix='bench-step-') as work:
        cfg = fake_run_config(a.config, work, over, n=n)
        if a.pretrain: return time_pretrain(a, cfg, work)
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
    critic = getattr(cfg, 'n_critic', None) or cfg.critic   # the key's name differs between versions
    it = ms['D'] + (ms['G'] + ms['E']) / critic
    full_iters = (int(np.ceil(cfg.epochs * TRAIN_SIZES[cfg.dataset] / cfg.batch_d)) if cfg.epochs is not None else n_real)
    gpu = f" ({torch.cuda.get_device_name(dev)})" if dev.type == 'cuda' else ''
    print(f"torch {torch.__version__} | device {dev}{gpu} | threads {torch.get_num_threads()} | amp {tr.amp} | compile {cfg.compile}")
    print(f"config {a.config}: {cfg.dataset}, family {cfg.family}, width {cfg.width}, adv {cfg.adv_loss}, critic {critic}, "
          f"batches D {cfg.batch_d} / G {cfg.batch_g} / E {cfg.batch_e} (EZ {tr.batch_ez})"
          + (f" + {cfg.batch_l or len(tr.lab_idx)} labelled" if tr.lab_idx is not None else ''))
    print(f"parameters: G {count(tr.G) / 1e6:.2f} M, D {count(tr.D) / 1e6:.2f} M, E {count(tr.E) / 1e6:.2f} M")
    print(f"median over {a.iters} timed iterations after {a.warmup} warm-up:")
    for k in ('D', 'G', 'E'): print(f"  {k} step {ms[k]:9.1f} ms   (min {min(t[k]):.1f}, max {max(t[k]):.1f})")
    print(f"  iteration {it:9.1f} ms = D + (G + E) / {critic}   ->  {cfg.batch_d / it * 1e3:.1f} real images/s, "
          f"{1e3 / it:.2f} it/s")
    print(f"full run: {full_iters} iterations ({cfg.epochs} epochs of {TRAIN_SIZES[cfg.dataset]} images) ~ "
          f"{full_iters * it / 3.6e6:.1f} h at this speed" if cfg.epochs is not None else
          f"full run: {full_iters} iterations ~ {full_iters * it / 3.6e6:.1f} h at this speed")
    if a.json:
        Path(a.json).write_text(json.dumps(dict(config=a.config, torch=torch.__version__, device=str(dev) + gpu, threads=torch.get_num_threads(),
                                                ms=ms, ms_all=t, ms_iteration=it, images_per_s=cfg.batch_d / it * 1e3,
                                                full_iters=full_iters, cfg={**{k: getattr(cfg, k) for k in ('width', 'batch_d', 'batch_g', 'batch_e', 'compile')}, 'amp': tr.amp}), indent=1))
    return 0


def time_pretrain(a, cfg, work)->int:
    "Time `codegan.pretrain` steps on the config's data and encoder: ms per step (the `ms_iteration` of --json)."
    from codegan.pretrain import Pretrainer, pretrain_config_from
    keys = {k: getattr(cfg, k) for k in ('amp', 'fused_adam') if hasattr(cfg, k)}
    pre = Pretrainer(pretrain_config_from(cfg, {**keys, 'batch': a.pretrain, 'out_dir': work, 'exp_name': 'pretrain',
                                                'progress': False, 'eval_every': 0, 'ckpt_every': 0}))
    dev = pre.device
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    pre.before_fit()
    for _ in range(a.warmup): pre.train_step()
    sync(); t = []
    for _ in range(a.iters):
        t0 = time.perf_counter(); pre.train_step(); sync(); t.append((time.perf_counter() - t0) * 1e3)
    ms = float(np.median(t))
    print(f"torch {torch.__version__} | device {dev} | threads {torch.get_num_threads()} | amp {pre.amp}")
    print(f"pre-training {a.config}: {cfg.dataset}, family {cfg.family}, width {cfg.width}, batch {a.pretrain} "
          f"(two views each), encoder {count(pre.net) / 1e6:.2f} M parameters")
    print(f"  step {ms:9.1f} ms median over {a.iters} after {a.warmup} warm-up (min {min(t):.1f}, max {max(t):.1f})  ->  "
          f"{a.pretrain / ms * 1e3:.1f} images/s")
    if a.json: Path(a.json).write_text(json.dumps(dict(config=a.config, pretrain=a.pretrain, ms_all=t, ms_iteration=ms)))
    return 0


def _side(root:Path, args:list, tag:str)->float:
    "Run this script on the package under `root` in a fresh process; return its ms/iteration."
    with tempfile.TemporaryDirectory(prefix='bench-side-') as tmp:
        out = Path(tmp)/'r.json'
        env = {**os.environ, 'PYTHONPATH': str(root), 'BENCH_SIDE': tag}
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args, '--json', str(out)], env=env, cwd=tmp,
                           capture_output=True, text=True)
        if r.returncode: raise SystemExit(f"bench_step on {tag} failed:\n{r.stdout[-2000:]}{r.stderr[-3000:]}")
        return json.loads(out.read_text())['ms_iteration']


def alternate(a, argv)->int:
    "Time this checkout, revision `a.against` and the `--variant`s in turn, round after round; print medians and ratios."
    argv = list(sys.argv[1:] if argv is None else argv)
    args, skip = [], False
    for x in argv:   # the same arguments without --against/--variant/--rounds/--json
        if skip: skip = False; continue
        if x in ('--against', '--variant', '--rounds', '--json'): skip = True; continue
        if x.startswith(('--against=', '--variant=', '--rounds=', '--json=')): continue
        args.append(x)
    here = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(['git', 'status', '--porcelain', '--', 'codegan'], cwd=ROOT, capture_output=True, text=True).stdout)
    sides = [('this', ROOT, [])]
    for v in a.variant:
        name, _, keys = v.partition(':')
        if not keys: raise SystemExit(f"--variant {v!r}: write NAME:KEY=VALUE[,KEY=VALUE...]")
        sides.append((name, ROOT, [x for kv in keys.split(',') for x in ('--set', kv)]))
    wt, rev = None, None
    if a.against:
        r = subprocess.run(['git', 'rev-parse', '--short', a.against], cwd=ROOT, capture_output=True, text=True)
        if r.returncode: raise SystemExit(f"--against: {a.against!r} is not a revision of {ROOT}: {r.stderr.strip()}")
        rev = r.stdout.strip()
        wt = Path(tempfile.mkdtemp(prefix='bench-against-'))/'tree'
        subprocess.run(['git', 'worktree', 'add', '--detach', '-q', str(wt), rev], cwd=ROOT, check=True)
        sides.append((rev, wt, []))
    print(f"command: {shlex.join(['bench/bench_step.py', *argv])}")
    print(f"this checkout: {here}{' + uncommitted changes' if dirty else ''}; sides: {', '.join(t for t, _, _ in sides)}; "
          f"{a.rounds} rounds, the order rotating each round")
    times = {t: [] for t, _, _ in sides}
    try:
        for i in range(a.rounds):
            for tag, root, extra in sides[i % len(sides):] + sides[:i % len(sides)]:
                times[tag].append(_side(root, args + extra, tag))
                print(f"  round {i + 1}: {tag:>12s} {times[tag][-1]:9.1f} ms/iteration", flush=True)
    finally:
        if wt is not None: subprocess.run(['git', 'worktree', 'remove', '--force', str(wt)], cwd=ROOT)
    med = {k: float(np.median(v)) for k, v in times.items()}
    for tag, _, _ in sides:
        per = [o / t for t, o in zip(times['this'], times[tag])]
        line = f"  {tag:>12s} median {med[tag]:9.1f} ms/iteration"
        if tag != 'this':
            line += (f"   this checkout is {med[tag] / med['this']:.2f}x faster than {tag}" if tag == rev else
                     f"   {med['this'] / med[tag]:.2f}x the speed of this checkout's defaults")
            line += f" (per round {', '.join(f'{1 / x if tag != rev else x:.2f}' for x in per)})"
        print(line)
    if rev is not None and a.variant:   # every variant against the other commit too
        for tag, _, _ in sides[1:-1]:
            per = ', '.join(f'{o / t:.2f}' for t, o in zip(times[tag], times[rev]))
            print(f"  {tag:>12s} is {med[rev] / med[tag]:.2f}x faster than {rev} (per round {per})")
    if a.json: Path(a.json).write_text(json.dumps({'this': here, 'dirty': dirty, 'against': rev, 'ms': times, 'median': med},
                                                  indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
