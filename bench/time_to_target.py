"""Time to each target: when a training run's evaluations first reached the science targets, from its metrics.jsonl.

A benchmark, not a test: it reads finished (or running) run folders and prints, per run, the wall time and iteration
of the first evaluation at which each target held, the last evaluation's scores (the ones the tables report), and
per target how many runs end above it. Nothing is chosen with the labels: the targets are read, never used to stop.

    python bench/time_to_target.py runs/exp/mnist_s*                       # the default targets of the data set
    python bench/time_to_target.py runs/d/* --target acc=0.90 --target gen_acc=0.93

Default targets (the science issue's): MNIST ACC 0.97, NMI 0.92, generation accuracy 0.97; Fashion-MNIST ACC 0.75,
generation accuracy 0.85; digits ACC 0.90, generation accuracy 0.93. Times are the run's logged `time` (seconds of
training, evaluations included, counted on across a resume) at the last training row before the evaluation.
"""
import argparse, json, sys
from pathlib import Path
import yaml

TARGETS = {'mnist': {'acc': 0.97, 'nmi': 0.92, 'gen_acc': 0.97}, 'fashion_mnist': {'acc': 0.75, 'gen_acc': 0.85},
           'digits': {'acc': 0.90, 'gen_acc': 0.93}}


def run_rows(run:Path):
    "(dataset, steps, eval rows each with the time of the training row before it) of a run folder."
    cfg = yaml.safe_load((run/'config.yml').read_text())
    rows = [json.loads(l) for l in (run/'metrics.jsonl').read_text().splitlines() if l.strip()]
    t, evals = 0., []
    for r in rows:
        if r.get('kind') == 'train' and r.get('time') is not None: t = r['time']
        if r.get('kind') == 'eval': evals.append({**r, 'time': t})
    return cfg.get('dataset'), cfg.get('steps'), evals


def fmt_time(s): return f"{s / 60:5.1f} min"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='+', help='run folders (config.yml and metrics.jsonl)')
    p.add_argument('--target', action='append', default=[], help="score=value, e.g. acc=0.97 (default: the data set's)")
    a = p.parse_args(argv)
    given = {k: float(v) for k, _, v in (t.partition('=') for t in a.target)}
    ends = {}
    for d in map(Path, a.runs):
        if not (d/'metrics.jsonl').exists(): print(f"{d}: no metrics.jsonl, skipped"); continue
        ds, steps, evals = run_rows(d)
        targets = given or TARGETS.get(ds)
        if not targets: raise SystemExit(f"{d}: no default targets for data set {ds!r}; pass --target score=value")
        if not evals: print(f"{d}: no evaluation yet"); continue
        last = evals[-1]
        done = '' if last['step'] == steps else f" (running: evaluation at {last['step']} of {steps})"
        print(f"{d} ({ds}, {steps} iterations){done}")
        print("  last evaluation: " + ', '.join(f"{k} {last[k]:.3f}" for k in targets if k in last) +
              f" at {fmt_time(last['time'])}")
        for k, v in targets.items():
            first = next((e for e in evals if e.get(k, float('-inf')) >= v), None)
            ends.setdefault((k, v), []).append(last.get(k, float('-inf')) >= v)
            print(f"  {k} >= {v}: " + (f"first at iteration {first['step']}, {fmt_time(first['time'])}" if first
                                       else f"not reached (best {max(e.get(k, float('nan')) for e in evals):.3f})"))
    for (k, v), ok in ends.items():
        print(f"{k} >= {v} at the last evaluation: {sum(ok)} of {len(ok)} runs")


if __name__ == '__main__':
    sys.exit(main())
