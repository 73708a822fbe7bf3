"""Same results before and after a change: six short CPU runs through the command line (training, InfoGAN, a
pre-training phase, codegan-pretrain, few labels, kill-and-resume), compared exactly on their per-step losses and
scores (metrics.jsonl without the wall-clock 'time') and the hashes of their sample grids. Keys that the new code
logs and the baseline does not (a new score) are listed, and the rest compared exactly.

    git stash; python tools/same_results.py record    # on the old code -> runs/same_results/baseline/*.json
    git stash pop; python tools/same_results.py compare  # on the new code: IDENTICAL or DIFFERENT per run; exit 0 if all same
    python tools/same_results.py compare digits30 kill_resume   # only some runs

Log keys renamed since the baseline was recorded (`codegan.run.LOG_RENAMES`) are read under their new names on
both sides. Refactors must keep every run IDENTICAL on CPU; a change that means to alter results shows here what it alters.
One torch thread, so the numbers do not depend on the machine's core count."""
import sys, os, json, hashlib, shutil, subprocess
from pathlib import Path
mode = sys.argv[1]; only = sys.argv[2:]
if mode not in ('record', 'compare'): sys.exit(__doc__)
ROOT = Path(os.environ.get('SAME_RESULTS_DIR', Path(__file__).resolve().parents[1]/'runs'/'same_results'))
BASE = ROOT/'baseline'; OUT = ROOT/('after' if mode == 'compare' else 'baseline')
RUNS = ROOT/'runs'/mode
COMMON = ['width=0.25', 'eval_seeds=1', 'progress=false', 'log_every=5']
TRAIN = "import sys; from codegan.train import main; sys.exit(main(sys.argv[1:]))"
PRE = "import sys; from codegan.pretrain import main; sys.exit(main(sys.argv[1:]))"
# kill: stop at the start of iteration 25, after the step-20 checkpoint; the resume must replay 21..30 exactly
KILL = ("import sys; import codegan.train as t\n"
        "orig = t.Trainer.train_step\n"
        "def ts(self):\n"
        "    if self.step == 25: raise SystemExit(3)\n"
        "    return orig(self)\n"
        "t.Trainer.train_step = ts\n"
        "sys.exit(t.main(sys.argv[1:]))")
CLUSTERS = ['steps=30', 'eval_every=10', 'cond_critic=true', 'cluster_start=5', 'cluster_every=10', 'cluster_core=0.8',
            'e_gen_gate=0.5']
def sets(*kv): return [a for k in (*COMMON, *kv) for a in ('--set', k)]
JOBS = {
  'digits30': [(TRAIN, ['--config', 'digits', *sets('steps=30', 'eval_every=10', 'ckpt_every=10', 'exp_name=r')])],
  'infogan30': [(TRAIN, ['--config', 'digits_infogan', *sets('steps=30', 'eval_every=15', 'ckpt_every=0', 'exp_name=r')])],
  'pretrain_phase': [(TRAIN, ['--config', 'digits', *sets('steps=20', 'eval_every=10', 'ckpt_every=0', 'pretrain_steps=8',
                                                          'pretrain_batch=64', 'exp_name=r')])],
  'pretrain_cli': [(PRE, ['--config', 'digits', *sets('steps=12', 'eval_every=6', 'batch=64', 'ckpt_every=5', 'exp_name=r')])],
  'fewlabel': [(TRAIN, ['--config', 'digits', *sets('steps=20', 'eval_every=20', 'ckpt_every=0', 'labels_per_class=3',
                                                    'batch_l=16', 'exp_name=r')])],
  'kill_resume': [(KILL, ['--config', 'digits', *sets('steps=30', 'eval_every=10', 'ckpt_every=10', 'exp_name=r')]),
                  (TRAIN, ['--resume', 'RUN'])],
  # the conditioned critic's pseudo-labels: re-clustered at 5, 15, 25 (cluster_core, the gate), killed and resumed
  'clusters30': [(TRAIN, ['--config', 'digits', *sets(*CLUSTERS, 'ckpt_every=10', 'exp_name=r')])],
  'clusters_resume': [(KILL, ['--config', 'digits', *sets(*CLUSTERS, 'ckpt_every=10', 'exp_name=r')]),
                      (TRAIN, ['--resume', 'RUN'])],
}
PAIRS = {'kill_resume': 'digits30', 'clusters_resume': 'clusters30'}   # a killed-and-resumed run must equal the straight one
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try: from codegan.run import renamed_row   # keys renamed since the baseline's code logged them
except ImportError: renamed_row = lambda r: r
def digest(run):
    rows = [renamed_row(json.loads(l)) for l in (run/'metrics.jsonl').read_text().splitlines() if l.strip()]
    for r in rows: r.pop('time', None)
    imgs = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sorted((run/'samples').glob('*.png'))} if (run/'samples').exists() else {}
    pre = run/'pretrain'/'metrics.jsonl'
    prows = [json.loads(l) for l in pre.read_text().splitlines() if l.strip()] if pre.exists() else []
    for r in prows: r.pop('time', None)
    return {'rows': rows, 'samples': imgs, 'pretrain_rows': prows}
def on_base_keys(ref, res):
    "`res` with each log row cut to the keys of the baseline's row (when it has them all), and the keys cut."
    if len(ref['rows']) != len(res['rows']): return res, set()
    new = set().union(*(set(b) - set(a) for a, b in zip(ref['rows'], res['rows']))) if res['rows'] else set()
    rows = [{k: b[k] for k in a} if set(a) <= set(b) else b for a, b in zip(ref['rows'], res['rows'])]
    return {**res, 'rows': rows}, new
env = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1',
       'PYTHONPATH': os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get('PYTHONPATH', '')])}
OUT.mkdir(parents=True, exist_ok=True); bad = 0
for name, steps in JOBS.items():
    if only and name not in only: continue
    d = RUNS/name; shutil.rmtree(d, ignore_errors=True); d.mkdir(parents=True)
    for code, args in steps:
        args = [str(d/'r') if a == 'RUN' else a for a in args]
        if args[0] != '--resume': args += ['--set', f'out_dir={d}']
        p = subprocess.run([sys.executable, '-c', "import torch; torch.set_num_threads(1)\n" + code, *args], env=env,
                           capture_output=True, text=True)
        if p.returncode not in (0, 3): print(name, 'FAILED', p.returncode, p.stderr[-2000:]); bad += 1
    res = digest(d/'r'); (OUT/f'{name}.json').write_text(json.dumps(res, indent=1))
    if mode == 'compare':
        ref = json.loads((BASE/f'{name}.json').read_text()); ref['rows'] = [renamed_row(r) for r in ref['rows']]
        cut, new = on_base_keys(ref, res)
        same = ref == cut
        if name in PAIRS:   # must equal the straight run too
            straight = json.loads((BASE/f'{PAIRS[name]}.json').read_text())
            straight['rows'] = [renamed_row(r) for r in straight['rows']]; same = same and cut == straight
        extra = f"; new keys, not compared: {', '.join(sorted(new))}" if new else ''
        print(f"{name}: {'IDENTICAL' if same else 'DIFFERENT'} ({len(res['rows'])} rows, {len(res['samples'])} grids{extra})")
        bad += not same
    else:
        print(f"{name}: recorded {len(res['rows'])} rows, {len(res['samples'])} grids, {len(res['pretrain_rows'])} pretrain rows")
if mode == 'record':
    for k, v in PAIRS.items():
        if (OUT/f'{k}.json').exists() and (OUT/f'{v}.json').exists():
            print(f'{k} == {v} in baseline:', json.loads((OUT/f'{k}.json').read_text()) == json.loads((OUT/f'{v}.json').read_text()))
sys.exit(bad)
