#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb without Quarto (what `nbdev_readme` does with Quarto).

    python tools/make_readme.py            # README.md + docs/images/index_*.png
    python tools/make_readme.py --check    # exit 1 if README.md or its pictures are out of date (writes nothing)

The notebook goes through nbdev's docs processing (title and summary from the first cell, `#| hide` cells dropped,
backticked names linked to the published docs); code cells marked `#| echo: false` show only their output. Output
pictures are written to docs/images/ (committed with the README) and referenced by relative path, so GitHub and
PyPI-style viewers show them; an output identical to a picture already committed there under a name of its own
(a cell that displays that file) refers to it instead of writing a copy. Run it after editing nbs/index.ipynb (and after re-running its cells).

A code cell marked `#| readme: results` does not use its saved output: its output is rendered again from
docs/results/compare_*.json (`codegan.compare.results_markdown`, which that cell calls too), and writing the README
also refreshes that saved output in the notebook, so README, docs site and notebook show what the files hold.
`--check` fails, naming the file, when README.md or the saved output differs from what the files give.
"""
from __future__ import annotations
import argparse, base64, hashlib, json, os, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_docs import ROOT, process, directives, _text
sys.path.insert(0, str(ROOT))   # codegan of this checkout, for the cells rendered from docs/results

IMG_DIR = 'docs/images'
RESULTS_DIR = 'docs/results'
EXT = {'image/png': 'png', 'image/jpeg': 'jpg', 'image/svg+xml': 'svg'}
FIX = 'run python tools/make_readme.py'

# ---------------------------------------------------------------- outputs rendered from docs/results
def rendered(name:str, root:Path=ROOT)->tuple[str, list]:
    "Markdown of a `#| readme: <name>` cell from the files, and (file, its part of that markdown) per file."
    if name != 'results': raise SystemExit(f"make_readme: unknown directive '#| readme: {name}' (known: results)")
    from codegan.compare import results_markdown, RESULT_SETS
    d = Path(root)/RESULTS_DIR
    return results_markdown(d), [(f"{RESULTS_DIR}/compare_{ds}.json", results_markdown(d, sets=[(ds, t)])) for ds, t in RESULT_SETS]

def markdown_output(md:str)->dict:
    "The saved output of a cell that displays `Markdown(md)`, as nbdev_clean leaves it."
    return {'data': {'text/markdown': md.splitlines(keepends=True), 'text/plain': ['<IPython.core.display.Markdown object>']},
            'execution_count': None, 'metadata': {}, 'output_type': 'execute_result'}

def rendered_cells(cells)->list[tuple[int, str]]:
    "(index, directive value) of the code cells marked `#| readme: ...`."
    return [(i, d['readme']) for i, c in enumerate(cells) if c.get('cell_type') == 'code'
            and 'readme' in (d := directives(_text(c.get('source')) or '')[0])]

def _saved_markdown(c)->str:
    return '\n\n'.join(_text(o['data']['text/markdown']).strip() for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {}))

def stale_results(nb_path:Path, readme_path:Path, root:Path=ROOT)->str|None:
    "None where README.md and the notebook's saved outputs show what docs/results gives, else a one-line message saying which file differs where."
    cells = json.loads(Path(nb_path).read_text())['cells']
    readme_text = Path(readme_path).read_text() if Path(readme_path).exists() else ''
    nb_name = Path(nb_path).resolve().relative_to(Path(root).resolve()) if Path(nb_path).resolve().is_relative_to(Path(root).resolve()) else nb_path
    bad = {}   # where -> the files whose tables differ there
    for i, name in rendered_cells(cells):
        md, parts = rendered(name, root)
        saved = _saved_markdown(cells[i])
        if saved == md.strip() and md.strip() in readme_text: continue
        where = lambda part: ' and '.join(w for w, ok in ((Path(readme_path).name, part in readme_text),
                                                          (f"the saved output of {nb_name} cell {i}", part in saved)) if not ok)
        named = [(f, where(p)) for f, p in parts if p and where(p)]
        for f, w in named or [(f"the '#| readme: {name}' output", where(md.strip()) or f"{nb_name} cell {i}")]:
            bad.setdefault(w, []).append(f)
    if not bad: return None
    said = [f"{', '.join(fs)} {'gives another table' if len(fs) == 1 else 'give other tables'} than {w}" for w, fs in bad.items()]
    return f"{Path(readme_path).name} is out of date: {'; '.join(said)}: {FIX}"

def refresh_outputs(nb_path:Path, root:Path=ROOT)->list[int]:
    "Write the rendered outputs of the `#| readme:` cells into the notebook (nbdev_clean's format); the cells changed."
    from execnb.nbio import nb2str
    text = Path(nb_path).read_text()
    nb = json.loads(text)
    changed = []
    for i, name in rendered_cells(nb['cells']):
        outs = [markdown_output(rendered(name, root)[0])]
        if nb['cells'][i].get('outputs') != outs: nb['cells'][i]['outputs'] = outs; changed.append(i)
    if changed: Path(nb_path).write_text(nb2str(nb))
    return changed

def readme(nb_path:Path)->tuple[str, dict]:
    "Markdown text of the README and the pictures it refers to ({relative path: bytes})."
    nb, fm = process(nb_path, run_show_doc=False)
    parts, files = [], {}
    committed = {f.read_bytes(): f"{IMG_DIR}/{f.name}" for f in sorted((ROOT/IMG_DIR).glob('*'))   # pictures kept as
                 if f.is_file() and not f.name.startswith(f"{nb_path.stem}_")}                       # files of their own
    if fm.get('title'): parts.append(f"# {fm['title']}")
    if fm.get('description'): parts.append(f"> {fm['description']}")
    for i, c in enumerate(nb.cells):
        src = _text(c.get('source')) or ''
        if c.cell_type == 'raw': continue
        if c.cell_type == 'markdown':
            if src.strip(): parts.append(src.strip())
            continue
        d, code = directives(src)
        if d.get('include') == 'false': continue
        if 'readme' in d: c['outputs'] = [markdown_output(rendered(d['readme'])[0])]   # from the files, not the saved output
        if code.strip() and d.get('echo') != 'false': parts.append(f"```python\n{code.strip()}\n```")
        if d.get('output') == 'false': continue
        for k, o in enumerate(c.get('outputs', [])):
            if o.get('output_type') == 'stream': parts.append(f"```\n{_text(o['text']).rstrip()}\n```"); continue
            data = dict(o.get('data', {}))
            mime = next((m for m in EXT if m in data), None)
            if mime:
                raw = _text(data[mime])
                blob = raw.encode() if mime == 'image/svg+xml' else base64.b64decode(raw)
                name = committed.get(blob)   # an output that shows a committed picture refers to it, not to a copy
                if name is None:
                    name = f"{IMG_DIR}/{nb_path.stem}_{i}_{k}_{hashlib.sha1(blob).hexdigest()[:8]}.{EXT[mime]}"
                    files[name] = blob
                parts.append(f"![{d.get('fig-alt', '')}]({name})")
            elif 'text/markdown' in data: parts.append(_text(data['text/markdown']).strip())
            elif 'text/plain' in data: parts.append(f"```\n{_text(data['text/plain']).rstrip()}\n```")
    return '\n\n'.join(p for p in parts if p) + '\n', files

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--nb', default=None, help='the notebook (default: nbs/index.ipynb, nbdev setting readme_nb)')
    ap.add_argument('--out', default=str(ROOT/'README.md'))
    ap.add_argument('--check', action='store_true', help='only check that README.md is up to date')
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    from nbdev.config import get_config
    cfg = get_config(path=ROOT)
    nb_path = Path(a.nb) if a.nb else Path(cfg.nbs_path)/cfg.get('readme_nb', 'index.ipynb')
    text, files = readme(nb_path)
    out, old_imgs = Path(a.out), set(str(p.relative_to(ROOT)) for p in (ROOT/IMG_DIR).glob(f'{nb_path.stem}_*'))
    if a.check:
        results = stale_results(nb_path, out)
        stale = (results is not None or not out.exists() or out.read_text() != text or old_imgs != set(files)
                 or any((ROOT/f).read_bytes() != b for f, b in files.items() if (ROOT/f).exists()))
        print(results or f"{out.name} is {'out of date: ' + FIX if stale else 'up to date'}")
        return 1 if stale else 0
    for i in refresh_outputs(nb_path): print(f"refreshed the saved output of {nb_path} cell {i} from {RESULTS_DIR}/")
    for f in old_imgs - set(files): (ROOT/f).unlink()
    for f, b in files.items():
        (ROOT/f).parent.mkdir(parents=True, exist_ok=True); (ROOT/f).write_bytes(b)
    out.write_text(text)
    print(f"wrote {out} ({len(text)} characters) and {len(files)} picture(s) in {IMG_DIR}/")
    return 0

if __name__ == '__main__': sys.exit(main())
