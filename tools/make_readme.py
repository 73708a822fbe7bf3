#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb without Quarto (what `nbdev_readme` does with Quarto).

    python tools/make_readme.py            # README.md + docs/images/index_*.png
    python tools/make_readme.py --check    # exit 1 if README.md or its pictures are out of date (writes nothing)

The notebook goes through nbdev's docs processing (title and summary from the first cell, `#| hide` cells dropped,
backticked names linked to the published docs); code cells marked `#| echo: false` show only their output. Output
pictures are written to docs/images/ (committed with the README) and referenced by relative path, so GitHub and
PyPI-style viewers show them; an output identical to a picture already committed there under a name of its own
(a cell that displays that file) refers to it instead of writing a copy. Run it after editing nbs/index.ipynb (and after re-running its cells).
"""
from __future__ import annotations
import argparse, base64, hashlib, os, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_docs import ROOT, process, directives, _text

IMG_DIR = 'docs/images'
EXT = {'image/png': 'png', 'image/jpeg': 'jpg', 'image/svg+xml': 'svg'}

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
        stale = (not out.exists() or out.read_text() != text or old_imgs != set(files)
                 or any((ROOT/f).read_bytes() != b for f, b in files.items() if (ROOT/f).exists()))
        print(f"{out.name} is {'out of date: run python tools/make_readme.py' if stale else 'up to date'}")
        return 1 if stale else 0
    for f in old_imgs - set(files): (ROOT/f).unlink()
    for f, b in files.items():
        (ROOT/f).parent.mkdir(parents=True, exist_ok=True); (ROOT/f).write_bytes(b)
    out.write_text(text)
    print(f"wrote {out} ({len(text)} characters) and {len(files)} picture(s) in {IMG_DIR}/")
    return 0

if __name__ == '__main__': sys.exit(main())
