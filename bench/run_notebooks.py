"""Run notebooks' code cells as tests without nbdev: for machines that have torch but not nbdev (a lent GPU box).

Executes each notebook's code cells in order in a fresh namespace, in the notebook's folder, with `IN_TEST=1` as
`nbdev_test` sets it; cells marked `#| eval: false`, and those with a test flag (`#| slow`) unless the flag is passed
with `--flags`, are skipped as `nbdev_test` skips them. When fastcore is missing, a small stand-in for
`fastcore.test` (`test_eq`, `test_close`, `test_fail`, `test_ne`) is installed. Prints one line per notebook and
exits non-zero if any failed.

    python bench/run_notebooks.py nbs/07_train.ipynb nbs/06_pretrain.ipynb
    python bench/run_notebooks.py --grep 'Trainer(' nbs/*.ipynb          # only notebooks that build a Trainer
"""
import argparse, json, os, re, sys, time, traceback, types
from pathlib import Path

import numpy as np


def _eq(a, b)->bool:
    import torch
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        a, b = (x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x) for x in (a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.all(a == b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_eq(a[k], b[k]) for k in a)
    return a == b


def _fastcore_test_stand_in()->types.ModuleType:
    "The four helpers of fastcore.test the notebooks use, for machines without fastcore."
    import torch
    m = types.ModuleType('fastcore.test')

    def test_eq(a, b):
        assert _eq(a, b), f"==:\n{a}\n{b}"

    def test_ne(a, b):
        assert not _eq(a, b), f"!=:\n{a}\n{b}"

    def test_close(a, b, eps=1e-5):
        a, b = (x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=float) for x in (a, b))
        assert a.shape == b.shape and np.allclose(a, b, atol=eps, rtol=0), f"close:\n{a}\n{b}"

    def test_fail(f, msg='', contains='', args=None, kwargs=None):
        try: f(*(args or []), **(kwargs or {}))
        except Exception as e:
            assert not contains or contains in str(e), f"{e!r} does not contain {contains!r}"
            return
        assert False, f"expected an exception: {msg}"
    m.test_eq, m.test_ne, m.test_close, m.test_fail = test_eq, test_ne, test_close, test_fail
    return m


def ensure_fastcore_test(force:bool=False):
    try:
        if force: raise ImportError
        import fastcore.test  # noqa: F401
    except ImportError:
        pkg = types.ModuleType('fastcore'); pkg.__path__ = []
        sys.modules['fastcore'], sys.modules['fastcore.test'] = pkg, _fastcore_test_stand_in()
        pkg.test = sys.modules['fastcore.test']


_DIRECTIVE = re.compile(r'^\s*#\s*\|\s*(.*)$')


def cell_flags(src:str)->set:
    "The nbdev directives of a cell ('eval: false', 'slow', 'export', ...), from its leading comment lines."
    out = set()
    for line in src.splitlines():
        m = _DIRECTIVE.match(line)
        if not m: break
        out.add(m.group(1).strip())
    return out


def run_notebook(path:Path, flags:set)->tuple:
    "Execute one notebook's code cells; returns (ok, seconds, message)."
    nb = json.loads(path.read_text())
    ns = {'__name__': '__main__'}
    cwd, t0 = os.getcwd(), time.time()
    os.chdir(path.parent)
    try:
        for i, c in enumerate(nb['cells']):
            if c['cell_type'] != 'code': continue
            src = ''.join(c['source'])
            fl = cell_flags(src)
            if 'eval: false' in fl or any(f in fl for f in ('slow',) if f not in flags): continue
            lines = [l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))]   # magics need IPython
            try: exec(compile('\n'.join(lines), f'{path.name}[cell {i}]', 'exec'), ns)
            except Exception:
                return False, time.time() - t0, f"cell {i} failed:\n{traceback.format_exc(limit=-3)}"
        return True, time.time() - t0, ''
    finally:
        os.chdir(cwd)
        import matplotlib.pyplot as plt; plt.close('all')


def main(argv=None)->int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('notebooks', nargs='+')
    p.add_argument('--grep', help="run only notebooks whose code contains this text")
    p.add_argument('--flags', nargs='*', default=[], help="test flags to run (e.g. slow)")
    p.add_argument('--stand-in', action='store_true', help="use the fastcore.test stand-in even where fastcore is installed")
    a = p.parse_args(argv)
    os.environ['IN_TEST'] = '1'
    os.environ.setdefault('MPLBACKEND', 'Agg')
    ensure_fastcore_test(a.stand_in)
    paths = [Path(n).resolve() for n in a.notebooks]
    if a.grep: paths = [q for q in paths if a.grep in q.read_text()]
    failed = 0
    for q in paths:
        ok, sec, msg = run_notebook(q, set(a.flags))
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {q.name:28s} {sec:7.1f} s" + (f"\n{msg}" if msg else ''), flush=True)
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
