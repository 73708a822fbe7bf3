"""Build a comparison file (the format of `codegan.compare.write_json`) from training runs made one by one.

Long comparisons (MNIST: half an hour per run on 2 CPU cores) are easier to run as separate `codegan-train`
commands, one per row and seed, on as many machines as you have. This script reads each run's folder
(`config.yml` and the last evaluation in `metrics.jsonl`, never a best score seen during training), checks that the
run is the row it claims to be (the row's config and overrides, whatever its seed and paths), scores the rows that
need no training (k-means on pixels, an untrained encoder) itself, and writes the file `nbs/compare.ipynb` and the
README read.

    python tools/compare_from_runs.py --dataset mnist --data-root /data/mnist --out docs/results/compare_mnist.json \
        --row "CoDeGAN (best recipe)=runs/scr_s0,runs/scr_s1,runs/scr_s2" --row "InfoGAN=runs/info_s0,..." \
        --baselines "k-means on pixels" "untrained encoder"

A row whose runs differ from its definition in a key that cannot matter to it is accepted only when named
(`--accept "real-image term alone:mode_seeking"`: an encoder that ignores generated images is not reached by a
generator-side term); the row's note then gives the runs' value. Rows scored before a change of recipe can be carried from an earlier file, under the name they have today
(`--keep "old.json:CoDeGAN (best recipe)=CoDeGAN (previous recipe)"`): their per-seed scores are copied unchanged
and the row's note says where they came from. Row names are those of `codegan.compare.default_rows(dataset)`.
"""
import argparse, json, sys
from dataclasses import asdict, fields
from pathlib import Path
from types import SimpleNamespace
import yaml
from codegan.compare import Row, default_rows, final_scores, run_row, write_json, markdown_table
from codegan.train_config import Config, load_config
from codegan.config import RENAMED_KEYS   # keys renamed since a run folder was written
from codegan.run import read_history
from codegan.pseudo import PseudoLabelConfig, uses_clusters

# keys that may differ between a row's definition and a run of it
FREE = {'seed', 'data_root', 'download', 'out_dir', 'exp_name', 'progress', 'device', 'resume',
        'amp', 'fused_adam', 'compile', 'channels_last', 'tensorboard'}   # where and how fast, not what
# keys that only act while a switch is on: free where the run and the row both have the switch off
ONLY_WHEN = {'ema': ('ema_start', 'ema_decay'), 'self_label': ('self_label_temp', 'self_label_start')}
# the re-clustering's settings (the pseudo-label keys but its two switches): free where neither run nor row clusters
CLUSTER_KEYS = {f.name for f in fields(PseudoLabelConfig)} - {'cond_critic', 'e_gen_gate'}


def free_keys(cfg:dict, want:dict)->set:
    "The keys a run may differ in from its row: FREE, and the settings of a switch that both have off."
    free = FREE | {k for sw, ks in ONLY_WHEN.items() if not cfg.get(sw) and not want.get(sw) for k in ks}
    clusters = lambda d: uses_clusters(SimpleNamespace(**d))   # `codegan.pseudo.uses_clusters` on a dict of settings
    return free | CLUSTER_KEYS if not clusters(cfg) and not clusters(want) else free


def run_config(run_dir)->dict:
    "The settings a run folder was trained with, under today's key names; a key added since then has its default (off)."
    saved = {RENAMED_KEYS.get(k, k): v for k, v in yaml.safe_load((Path(run_dir)/'config.yml').read_text()).items()}
    return {**{f.name: getattr(Config, f.name) for f in fields(Config) if hasattr(Config, f.name)}, **saved}


def run_scores(row, run_dir:Path, accepted=())->dict:
    "The last evaluation of a finished run of `row`, after checking that the run's settings are the row's."
    cfg = run_config(run_dir)
    want = vars(load_config(row.config, row.overrides))
    free = free_keys(cfg, want)
    diff = {k: (cfg.get(k), v) for k, v in want.items() if k not in free and k not in accepted and cfg.get(k) != v}
    if diff: raise SystemExit(f"{run_dir} is not a run of {row.name!r}: (run, row) differ in {diff}")
    rows = read_history(run_dir)
    evals = [r for r in rows if r['kind'] == 'eval']
    if not evals or evals[-1]['step'] != cfg['steps']:
        raise SystemExit(f"{run_dir} has not finished: last evaluation at step {evals[-1]['step'] if evals else None} "
                         f"of {cfg['steps']}")
    last, train = evals[-1], [r for r in rows if r['kind'] == 'train']
    out = final_scores(last)   # the keys run_row keeps
    if cfg.get('eval_features', 'fc') == 'fc':   # the plain scores are those of f_c
        out.update({f'fc_{m}': last[m] for m in ('acc', 'purity', 'nmi', 'ari')})
    out.update(seed=cfg['seed'], time=train[-1]['time'] if train else None, run_dir=str(run_dir),
               curve=[[r['step'], round(r['acc'], 4)] for r in evals])
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--dataset', required=True)
    p.add_argument('--data-root', default=None)
    p.add_argument('--out', required=True, help='comparison file to write')
    p.add_argument('--row', action='append', default=[], help='"row name=run_dir,run_dir,..."')
    p.add_argument('--accept', action='append', default=[],
                   help='"row name:key": runs of that row may differ from its definition in that key (noted in the row)')
    p.add_argument('--keep', action='append', default=[],
                   help='"old.json:row name there=row name here": per-seed scores carried from an earlier comparison')
    p.add_argument('--baselines', nargs='*', default=[], help='untrained rows to score here, for the seeds of the runs')
    a = p.parse_args(argv)
    by_name = {r.name: r for r in default_rows(a.dataset)}
    chosen, results = [], {}
    accepted = {}
    for spec in a.accept:
        name, _, key = spec.rpartition(':')
        accepted.setdefault(name, set()).add(key)
    for spec in a.row:
        name, _, dirs = spec.partition('=')
        if name not in by_name: raise SystemExit(f"unknown row {name!r}; choose from {list(by_name)}")
        row, acc = by_name[name], accepted.get(name, set())
        results[name] = sorted((run_scores(row, Path(d), acc) for d in dirs.split(',')), key=lambda r: r['seed'])
        if acc:
            want = vars(load_config(row.config, row.overrides))
            got = {k: sorted({run_config(r['run_dir']).get(k) for r in results[name]}, key=str) for k in sorted(acc)}
            row = Row(**{**asdict(row), 'note': row.note + '; runs made with ' + ', '.join(
                f"{k}={v[0] if len(v) == 1 else v} (the row: {want[k]})" for k, v in got.items())})
        chosen.append(row)
    seeds = sorted({r['seed'] for rs in results.values() for r in rs})
    steps = sorted({run_config(r['run_dir'])['steps'] for rs in results.values() for r in rs})
    extra = {'data_root': a.data_root, 'download': False} if a.data_root else {}
    for name in a.baselines:
        if name not in by_name: raise SystemExit(f"unknown row {name!r}; choose from {list(by_name)}")
        if by_name[name].kind not in ('pixels', 'untrained'): raise SystemExit(f"{name!r} needs training: pass its runs with --row")
        chosen.append(by_name[name])
        results[name] = [{'seed': s, **run_row(by_name[name], s, 0, '/tmp', 'cpu', extra=extra)} for s in seeds]
    for spec in a.keep:
        path, _, names = spec.rpartition(':')
        old_name, _, new_name = names.partition('=')
        old = json.loads(Path(path).read_text())
        row = next((r for r in old['rows'] if r['name'] == old_name), None)
        if row is None: raise SystemExit(f"{path} has no row {old_name!r}; it has {[r['name'] for r in old['rows']]}")
        new_name = new_name or old_name
        steps_then = old['settings'].get('steps')
        note = f"carried from {Path(path).name} ({old['machine'].get('date', '?')}, {steps_then} iterations): {row['note']}"
        chosen.append(Row(**{**row, 'name': new_name, 'note': note}))
        results[new_name] = [{**r, 'carried_from': Path(path).name} for r in old['results'][old_name]]
    order = [r.name for r in default_rows(a.dataset)]
    chosen.sort(key=lambda r: order.index(r.name) if r.name in order else len(order))
    results = {r.name: results[r.name] for r in chosen}
    doc = write_json(a.out, chosen, results, dataset=a.dataset, seeds=seeds, steps=steps[0] if len(steps) == 1 else steps,
                     extra={k: v for k, v in extra.items() if k != 'data_root'}, source='separate codegan-train runs, last evaluation',
                     **({'carried': [Path(k.rpartition(':')[0]).name + ':' + k.rpartition(':')[2] for k in a.keep]} if a.keep else {}))
    print(markdown_table(doc))


if __name__ == '__main__':
    sys.exit(main())
