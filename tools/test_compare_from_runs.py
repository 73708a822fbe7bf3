#!/usr/bin/env python
"""Test that `tools/compare_from_runs.py` takes a run as a row only when the run's settings are the row's.

    python tools/test_compare_from_runs.py     # CI runs it; a few seconds, no training

It writes fake run folders (a `config.yml` and a finished `metrics.jsonl`) in a temporary folder.
"""
from __future__ import annotations
import dataclasses, json, shutil, sys, tempfile
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools')); sys.path.insert(0, str(ROOT))
from compare_from_runs import run_scores   # noqa: E402
from codegan.compare import default_rows    # noqa: E402
from codegan.train_config import load_config  # noqa: E402


def fake_run(folder:Path, config:str, acc:float, **overrides)->Path:
    "A finished run folder of `config` with `overrides`, whose evaluations end at ACC `acc`."
    cfg = dataclasses.asdict(load_config(config, overrides))
    folder.mkdir(parents=True)
    (folder/'config.yml').write_text(yaml.safe_dump(cfg))
    rows = [{'step': cfg['steps'], 'kind': 'train', 'time': 12.5},
            {'step': cfg['steps'] // 2, 'kind': 'eval', 'acc': 0.5, 'nmi': 0.4},
            {'step': cfg['steps'], 'kind': 'eval', 'acc': acc, 'purity': acc, 'nmi': 0.8, 'ari': 0.7, 'gen_acc': 0.9}]
    (folder/'metrics.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in rows))
    return folder


def rejected(row, run:Path, *words:str):
    "Assert that `run` is refused as a run of `row`, with a message naming `words`."
    try: run_scores(row, run)
    except SystemExit as e:
        for w in words: assert w in str(e), f"{w!r} not in: {e}"
        print(f"  refused: {str(e)[:150]}")
        return
    raise AssertionError(f"{run} was accepted as a run of {row.name!r}")


def main():
    rows = {r.name: r for r in default_rows('digits')}
    tmp = Path(tempfile.mkdtemp(prefix='codegan_cfr_'))
    try: check(rows, tmp)
    finally: shutil.rmtree(tmp)
    print("compare_from_runs: rows accept their own runs only")


def check(rows:dict, tmp:Path):
    "The checks, with fake run folders under `tmp`."
    best, no_ema = rows['CoDeGAN (best recipe)'], rows['best recipe without G EMA']
    # the shipped recipe, its last evaluation (not its best) and the run's seed
    got = run_scores(best, fake_run(tmp/'best', 'digits_scratch', 0.91, seed=3))
    assert (got['acc'], got['seed'], got['time'], got['curve']) == (0.91, 3, 12.5, [[400, 0.5], [800, 0.91]]), got
    # a run made before EMA shipped (ema off, the old ema_start/ema_decay defaults) is a run of the row without EMA:
    # the EMA's settings cannot matter while it is off
    old = fake_run(tmp/'old', 'digits_scratch', 0.9, ema=False, ema_start=5000, ema_decay=0.9999)
    assert run_scores(no_ema, old)['acc'] == 0.9
    rejected(best, old, "'ema'")                              # but not of the recipe with EMA
    rejected(best, fake_run(tmp/'decay', 'digits_scratch', 0.9, ema_decay=0.99), 'ema_decay')   # EMA on: its decay counts
    rejected(no_ema, fake_run(tmp/'nosl', 'digits_scratch', 0.9, ema=False, self_label=0.), 'self_label')
    # the re-clustering's settings count while the critic is conditioned, not in a row without clusters
    rejected(best, fake_run(tmp/'restarts', 'digits_scratch', 0.9, cluster_restarts=1), 'cluster_restarts')
    prev = rows['CoDeGAN (previous recipe)']
    unclustered = fake_run(tmp/'prev', 'digits_scratch', 0.8, **prev.overrides, cluster_restarts=1, cluster_start=50)
    assert run_scores(prev, unclustered)['acc'] == 0.8
    rejected(prev, fake_run(tmp/'gate', 'digits_scratch', 0.8, **prev.overrides, e_gen_gate=0.5, cluster_start=50),
             'cluster_start', 'e_gen_gate')


if __name__ == '__main__':
    main()
