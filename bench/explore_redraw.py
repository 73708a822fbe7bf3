"""Redraw time of the explorer (`codegan.explore`) per interaction, in the kernel, without a browser.

Loads a run, opens the explorer and drives it as a user would: slider moves (z_n[0..4] in turn), category changes,
seed changes, interpolation steps, and one image placed in the "Your image" tab. Each interaction is timed from the
control's change to the end of its redraw (G's batch, the PNGs and the widget state: everything the kernel does
before the front end gets the new pictures). Prints the median and 90th percentile per kind for each number of torch
threads the explorer computes with (its `threads`; the kernel itself keeps torch's default, one per core).

    python bench/explore_redraw.py Result/<run> [--threads 1 2] [--n 40]
    python bench/explore_redraw.py            # no run: a 20-iteration digits run is trained first (tiny, width 0.25)
"""
import argparse, io, shlex, statistics, sys, tempfile, time
from pathlib import Path
import torch


def timed(fn, n):
    out = []
    for i in range(n):
        t0 = time.perf_counter(); fn(i); out.append(1000 * (time.perf_counter() - t0))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', nargs='?', help="run folder (default: train a tiny digits run)")
    p.add_argument('--threads', type=int, nargs='+', default=[1, 2], help="the explorer's torch threads to measure with")
    p.add_argument('--n', type=int, default=40, help="interactions of each kind")
    a = p.parse_args(argv)
    print("command:", shlex.join([Path(sys.argv[0]).as_posix()] + (sys.argv[1:] if argv is None else list(argv))))
    from codegan.use import load_run
    from codegan.explore import explore
    run = a.run
    if run is None:
        from codegan.train import Trainer
        from codegan.train_config import make_config
        tmp = Path(tempfile.mkdtemp())
        Trainer(make_config(dict(dataset='digits', width=0.25, batch_d=16, batch_g=16, batch_e=32, steps=20, eval_every=20,
                                 eval_seeds=1, progress=False, out_dir=str(tmp), exp_name='tiny', device='cpu'))).fit()
        run = tmp/'tiny'
    r = load_run(run, 'cpu')
    x = r.sample(0, 1, seed=1)
    print(f"{r}\nK={r.K}, z_n of {r.cfg.zn_dim}, {r.info.size}x{r.info.size}x{r.info.channels}; "
          f"one samples redraw = G on {r.K + 9} images + 3 PNGs; torch {torch.__version__}, {torch.get_num_threads()} threads by default")
    for th in a.threads:
        e = explore(r, threads=th)
        if e is None: return 1
        mine = [r.sample(i % r.K, 1, seed=i) for i in range(max(5, a.n // 4))]
        e.show(x)   # warm-up, and the training features cached (the first image reads and encodes the training split)
        for i in range(3): e.sliders[0].value = 0.1 * i
        res = {
            'slider': timed(lambda i: setattr(e.sliders[i % 5], 'value', round(((i * 7) % 13 - 6) * 0.25, 2)), a.n),
            'category': timed(lambda i: setattr(e.category, 'value', (e.category.value + 1) % r.K), a.n),
            'seed': timed(lambda i: setattr(e.seed, 'value', 1000 + i), a.n),
            'interpolation (8 steps)': timed(lambda i: setattr(e.b_seed, 'value', 2000 + i), a.n),
            'your image': timed(lambda i: e.show(mine[i]), len(mine)),
        }
        print(f"\n{th} thread(s): ms per interaction, median (90th percentile)")
        for k, v in res.items():
            q = statistics.quantiles(v, n=10)[-1] if len(v) > 1 else v[0]
            print(f"  {k:24s} {statistics.median(v):7.1f} ({q:.1f})   n={len(v)}")
    return 0


if __name__ == '__main__': sys.exit(main())
