#!/usr/bin/env python
"""Test that `tools/make_readme.py --check` fails when README.md's results tables, or the saved output of the
`#| readme: results` cell of nbs/index.ipynb, differ from docs/results/compare_*.json, and that writing fixes it.

    python tools/test_make_readme.py     # CI runs it after make_readme.py --check; about half a minute

It works on a copy of the files make_readme reads (in a temporary folder), so the checkout is never written.
"""
from __future__ import annotations
import json, os, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ('settings.ini', 'pyproject.toml', 'README.md', 'tools', 'codegan', 'docs', 'nbs/index.ipynb',
        'nbs/_quarto.yml', 'nbs/nbdev.yml', 'nbs/sidebar.yml')

def make_readme(root:Path, *args)->tuple[int, str]:
    "Run the copy's make_readme.py; (exit status, output)."
    env = {**os.environ, 'PYTHONPATH': str(root)}
    r = subprocess.run([sys.executable, str(root/'tools/make_readme.py'), *args], cwd=root, env=env,
                       capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()

def expect(root:Path, rc:int, *has:str, lacks:tuple=())->str:
    "Check the copy and assert its exit status, a one-line message and what it names."
    got, out = make_readme(root, '--check')
    assert got == rc and len(out.splitlines()) == 1, f"expected exit {rc} and one line, got {got}:\n{out}"
    for s in has: assert s in out, f"{s!r} not in: {out}"
    for s in lacks: assert s not in out, f"{s!r} in: {out}"
    print(f"  --check (exit {got}): {out}")
    return out

def main():
    tmp = Path(tempfile.mkdtemp(prefix='codegan_readme_'))
    try:
        for p in COPY:
            src, dst = ROOT/p, tmp/p
            if not src.exists(): continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__')) if src.is_dir() else shutil.copy2(src, dst))
        sys.path.insert(0, str(tmp/'tools')); sys.path.insert(0, str(tmp))
        import make_readme as mr
        nb_path, readme = tmp/'nbs/index.ipynb', tmp/'README.md'
        cells = json.loads(nb_path.read_text())['cells']
        marked = mr.rendered_cells(cells)
        assert [n for _, n in marked] == ['results'], marked
        i = marked[0][0]

        # the cell, run as the notebook runs it (from nbs/), shows what make_readme renders from the files
        ns, code = {}, mr.directives(''.join(cells[i]['source']))[1].strip().splitlines()
        cwd = os.getcwd(); os.chdir(tmp/'nbs')
        try: exec('\n'.join(code[:-1]), ns); shown = eval(code[-1], ns).data
        finally: os.chdir(cwd)
        assert shown == mr.rendered('results', tmp)[0], "the results cell shows other markdown than make_readme renders"

        print("unaltered:")
        expect(tmp, 0, 'README.md is up to date')
        assert mr.stale_results(nb_path, readme, tmp) is None

        print("a number changed in docs/results/compare_mnist.json:")
        f = tmp/'docs/results/compare_mnist.json'
        doc = json.loads(f.read_text())
        doc['summary']['CoDeGAN (best recipe)']['acc']['mean'] += 0.1
        f.write_text(json.dumps(doc, indent=1) + '\n')
        expect(tmp, 1, 'out of date', 'docs/results/compare_mnist.json', 'README.md', 'saved output of nbs/index.ipynb',
               'run python tools/make_readme.py', lacks=('compare_digits', 'compare_fashion_mnist'))

        print("written again:")
        rc, out = make_readme(tmp)
        assert rc == 0 and f"cell {i}" in out, out
        expect(tmp, 0, 'README.md is up to date')
        new = json.loads(nb_path.read_text())['cells'][i]['outputs'][0]['data']['text/markdown']
        s = doc['summary']['CoDeGAN (best recipe)']['acc']
        assert f"| CoDeGAN (best recipe) | {s['mean']:.3f} ± {s['std']:.3f} |" in ''.join(new), "the saved output was not refreshed"
        from execnb.nbio import nb2str
        from nbdev.clean import clean_nb
        nb = json.loads(nb_path.read_text()); clean_nb(nb)
        assert nb2str(nb) == nb_path.read_text(), "the refreshed notebook is not as nbdev_clean leaves it"
        rc, out = make_readme(tmp)   # writing twice changes nothing
        assert rc == 0 and 'refreshed' not in out, out

        print("only the notebook's saved output stale:")
        text = nb_path.read_text()
        nb = json.loads(text)
        md = nb['cells'][i]['outputs'][0]['data']['text/markdown']
        first = next(j for j, l in enumerate(md) if l.startswith('| k-means on pixels |'))   # the digits table's row
        md[first] = md[first].replace('| k-means on pixels | 0.', '| k-means on pixels | 1.')
        nb_path.write_text(nb2str(nb))
        expect(tmp, 1, 'docs/results/compare_digits.json', 'saved output of nbs/index.ipynb', lacks=('README.md and', 'compare_mnist'))
        nb_path.write_text(text)

        print("only README.md's table stale:")
        readme.write_text(readme.read_text().replace('| 0.545 ± 0.001 |', '| 0.546 ± 0.001 |', 1))
        expect(tmp, 1, 'docs/results/compare_mnist.json gives another table than README.md:', lacks=('saved output',))
        print("test_make_readme: ok")
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()
