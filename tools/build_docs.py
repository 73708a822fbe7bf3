#!/usr/bin/env python
"""Build the documentation site offline, without Quarto: every notebook in nbs/ becomes a static page in _site/.

    python tools/build_docs.py             # all notebooks -> _site/ (about a minute on 2 cores)
    python tools/build_docs.py --out DIR   # somewhere else

Each notebook goes through nbdev's own docs processing (`nbdev.processors.FilterDefaults`, what `nbdev_docs` runs
before Quarto): the title cell becomes the page title, `#| hide` and `#| export` cells disappear, and every exported
function or class gets its `show_doc` section (signature and docments table). nbconvert's 'basic' template then
renders the cells; each page gets a sidebar listing all pages. Output pictures are written next to the pages
(`<page>_files/`), LaTeX becomes MathML (if `latex2mathml` is installed), and the pages load no script, font or
style sheet from the network. The home page is nbs/index.ipynb. Uses the dev tools (nbdev, nbconvert).
"""
from __future__ import annotations
import argparse, copy, html, json, os, re, shutil, sys, time, warnings
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent

def _settings():
    "nbdev's config of the project (settings.ini)."
    from nbdev.config import get_config
    return get_config(path=ROOT)

def notebooks(nbs_path:Path)->list[Path]:
    "Notebooks nbdev documents (not starting with `_` or `.`), index first, then by path (nbdev's sidebar order)."
    from nbdev.doclinks import nbglob
    files = [Path(f) for f in nbglob(nbs_path)]
    return sorted(files, key=lambda p: (str(p.parent), '00' if p.name.startswith('index.') else p.name))

# ---------------------------------------------------------------- nbdev processing
def process(path:Path, run_show_doc:bool=True):
    "Run nbdev's docs processors on the notebook at `path`; returns (processed notebook, frontmatter dict)."
    from execnb.nbio import read_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import FilterDefaults
    nb = read_nb(path)
    procs = [p for p in FilterDefaults().procs() if run_show_doc or getattr(p, '__name__', '') != 'exec_show_docs']
    os.environ['IN_TEST'] = '1'   # as nbdev's docs driver does: cells run for `show_doc` run in test mode
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            NBProcessor(nb=nb, procs=procs).process()
        for m in w:
            if 'imports and other code' in str(m.message):
                src = str(m.message).split('---')[1].strip().splitlines()
                print(f"  note: {path.name}: a cell mixing imports and code runs during the docs build: {src[0]!r}...")
    finally: os.environ.pop('IN_TEST', None)
    return nb, dict(getattr(nb, 'frontmatter_', {}) or {})

_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def directives(src:str)->tuple[dict, str]:
    "Split the leading `#| key: value` lines of a code cell from its code."
    lines, d = src.splitlines(), {}
    while lines and _re_directive.match(lines[0]):
        k, v = _re_directive.match(lines.pop(0)).groups()
        d[k] = v.strip().strip('"\'')
    return d, '\n'.join(lines)

def _text(v): return ''.join(v) if isinstance(v, list) else v

def to_nbformat(nb):
    "A plain nbformat notebook of the processed cells, with Quarto's cell options applied (echo, output, include)."
    import nbformat
    cells = []
    for c in nb.cells:
        src = _text(c.get('source')) or ''
        if c.cell_type == 'raw': continue                     # frontmatter (already read) and raw cells
        if c.cell_type == 'markdown':
            cells.append(nbformat.v4.new_markdown_cell(src, attachments=c.get('attachments', {}) or {}))
            continue
        d, code = directives(src)
        if d.get('include') == 'false': continue
        outs = [] if d.get('output') == 'false' else copy.deepcopy([dict(o) for o in c.get('outputs', [])])
        for o in outs:
            if 'text' in o: o['text'] = _text(o['text'])
            if 'data' in o: o['data'] = {k: (_text(v) if k.startswith('text/') or k.startswith('image/') else v) for k, v in dict(o['data']).items()}
            o.setdefault('metadata', {})
            if o['output_type'] == 'execute_result': o.setdefault('execution_count', None)
        cell = nbformat.v4.new_code_cell(code, outputs=[nbformat.from_dict(o) for o in outs])
        if d.get('echo') == 'false' or not code.strip(): cell.metadata['transient'] = {'remove_source': True}
        if 'fig-alt' in d: cell.metadata['alt'] = d['fig-alt']
        if not code.strip() and not outs: continue
        cells.append(cell)
    nbn = nbformat.v4.new_notebook(cells=cells)
    nbn.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    nbn.metadata['language_info'] = {'name': 'python'}
    return nbn

# ---------------------------------------------------------------- markdown
def slug(text:str)->str:
    "Heading id as Quarto makes it (and nbdev's doc links expect): lower case, spaces to dashes, no punctuation but `_.-`."
    t = re.sub(r'<[^>]+>', '', html.unescape(text)).strip().lower()
    return re.sub(r'[^\w.\-]', '', re.sub(r'\s+', '-', t))

def _mathml(tex:str, display:str)->str|None:
    try: from latex2mathml.converter import convert
    except ImportError: return None
    try: return convert(tex.strip(), display=display)
    except Exception: return None

def make_renderer():
    "nbconvert's markdown renderer with MathML math and Quarto-style heading ids."
    from nbconvert.filters.markdown_mistune import IPythonRenderer
    class Renderer(IPythonRenderer):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw); self.ids = {}
        def heading(self, text, level, **attrs):
            i = slug(text) or 'section'
            n = self.ids.get(i, 0); self.ids[i] = n + 1
            if n: i = f'{i}-{n}'
            return f'<h{level} id="{html.escape(i)}">{text}<a class="anchor-link" href="#{html.escape(i)}" aria-label="link to this section">#</a></h{level}>\n'
        def block_math(self, body):
            m = _mathml(body, 'block')
            return f'<div class="math display">{m}</div>' if m else f'<div class="math display tex">$${self.escape_html(body)}$$</div>'
        def latex_environment(self, name, body):
            m = _mathml(f'\\begin{{{name}}}{body}\\end{{{name}}}', 'block')
            return f'<div class="math display">{m}</div>' if m else super().latex_environment(name, body)
        def inline_math(self, body):
            m = _mathml(body, 'inline')
            return f'<span class="math">{m}</span>' if m else f'<span class="math tex">${self.escape_html(body)}$</span>'
    return Renderer

_re_attr_link = re.compile(r'(\[[^\]\n]*\]\([^)\s]+\))\{([^}\n]*)\}')
_re_fdiv = re.compile(r'^:::+\s*(?:\{([^}]*)\}|([\w-]+))?\s*$', re.MULTILINE)

def quarto_md(src:str)->str:
    "Turn the bits of Quarto/pandoc syntax nbdev emits into plain markdown/HTML (link attributes, fenced divs)."
    def link(m):
        cls = ' class="srclink"' if 'float:right' in m.group(2) else ''
        t, u = re.match(r'\[([^\]]*)\]\(([^)]*)\)', m.group(1)).groups()
        return f'<a{cls} href="{html.escape(u)}">{t}</a>' if cls else m.group(1)
    src = _re_attr_link.sub(link, src)
    def fdiv(m):
        a = m.group(1) or m.group(2)
        if a is None: return '\n</div>\n'
        classes = ' '.join(c.lstrip('.') for c in a.split() if c.startswith('.')) if m.group(1) else a
        return f'<div class="{html.escape(classes)}">\n'
    return _re_fdiv.sub(fdiv, src)

def exporter(renderer_cls):
    "nbconvert's HTML exporter on the 'basic' template (no page shell, no scripts), pictures written to files."
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import MarkdownWithMath
    from nbconvert.preprocessors import ExtractOutputPreprocessor
    from jinja2 import pass_context
    class Exporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            cell = context.get('cell', {})
            r = renderer_cls(escape=False, attachments=cell.get('attachments', {}), anchor_link_text='#')
            r.ids = self._ids
            return MarkdownWithMath(renderer=r).render(quarto_md(source))
    ex = Exporter(template_name='basic', exclude_input_prompt=True, exclude_output_prompt=True)
    ex.register_preprocessor(ExtractOutputPreprocessor(), enabled=True)
    return ex

# ---------------------------------------------------------------- the page
CSS = """
:root { --side: 250px; --fg: #222; --muted: #666; --line: #e3e3e3; --accent: #2c6fbb; --code: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--fg); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
nav.sidebar { position: fixed; top: 0; bottom: 0; left: 0; width: var(--side); overflow-y: auto; padding: 20px 14px;
  background: #f7f7f9; border-right: 1px solid var(--line); }
nav.sidebar .brand { display: block; font-size: 1.35em; font-weight: 700; color: var(--fg); margin: 0 6px 4px; }
nav.sidebar .tagline { font-size: .8em; color: var(--muted); margin: 0 6px 14px; }
nav.sidebar ul { list-style: none; margin: 0; padding: 0; }
nav.sidebar li a { display: block; padding: 5px 8px; border-radius: 5px; color: #333; font-size: .93em; }
nav.sidebar li a:hover { background: #ececf1; text-decoration: none; }
nav.sidebar li a.active { background: var(--accent); color: #fff; }
main { margin-left: var(--side); padding: 28px 48px 60px; max-width: calc(var(--side) + 1000px); }
header.page h1.title { font-size: 2.1em; margin: 0 0 .2em; }
header.page p.description { font-size: 1.1em; color: var(--muted); margin: 0 0 1.5em; border-bottom: 1px solid var(--line); padding-bottom: 1em; }
h1, h2, h3, h4 { line-height: 1.25; } h2 { margin-top: 1.8em; border-bottom: 1px solid var(--line); padding-bottom: .2em; }
a.anchor-link { visibility: hidden; margin-left: .35em; color: #aaa; font-weight: 400; }
h1:hover a.anchor-link, h2:hover a.anchor-link, h3:hover a.anchor-link, h4:hover a.anchor-link { visibility: visible; }
code { background: var(--code); padding: .1em .3em; border-radius: 4px; font-size: .88em; }
pre { background: var(--code); padding: 10px 12px; border-radius: 6px; overflow-x: auto; font-size: .85em; line-height: 1.4; }
pre code { background: none; padding: 0; }
.input_area .highlight pre, div.highlight pre { background: var(--code); }
.cell { margin: .6em 0; }
.output_subarea { overflow-x: auto; } .output_subarea pre { background: #fff; border-left: 3px solid var(--line); border-radius: 0; }
.output_png img, .output_jpeg img, .output_svg svg { max-width: 100%; height: auto; }
.output_stderr pre { background: #fff6f6; } .output_error pre { background: #fff0f0; }
.output_markdown h3 { margin-top: .4em; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.output_markdown blockquote { margin: .5em 0; padding: 0; border: none; }
.output_markdown blockquote pre { background: #eef3fa; border-left: 3px solid var(--accent); }
a.srclink { float: right; font-size: .8em; }
blockquote { margin: 1em 0; padding: .1em 1em; border-left: 4px solid var(--line); color: #444; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: 4px 9px; text-align: left; vertical-align: top; }
thead th { background: #f3f4f6; }
hr { border: none; border-top: 1px solid var(--line); margin: 1.6em 0 .6em; }
.math.display { overflow-x: auto; margin: .8em 0; } math { font-size: 1.08em; }
footer { margin-top: 3em; padding-top: 1em; border-top: 1px solid var(--line); color: var(--muted); font-size: .8em; }
@media (max-width: 800px) { nav.sidebar { position: static; width: auto; border-right: none; } main { margin-left: 0; padding: 16px; } }
"""

def page_html(title, description, body, nav, lib, lib_desc, current):
    active = ' class="active" aria-current="page"'
    items = '\n'.join(f'<li><a href="{html.escape(href)}"{active if href == current else ""}>{html.escape(t)}</a></li>' for href, t in nav)
    desc = f'<p class="description">{html.escape(description)}</p>' if description else ''
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title if title == lib else f'{title} – {lib}')}</title>
<meta name="description" content="{html.escape(description or '')}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="style.css">
</head>
<body>
<nav class="sidebar" aria-label="pages">
<a class="brand" href="index.html">{html.escape(lib)}</a>
<div class="tagline">{html.escape(lib_desc)}</div>
<ul>
{items}
</ul>
</nav>
<main>
<header class="page"><h1 class="title">{html.escape(title)}</h1>{desc}</header>
{body}
<footer>Built from the notebooks by <code>tools/build_docs.py</code> on {time.strftime('%Y-%m-%d')}.</footer>
</main>
</body>
</html>
"""

def page_names(items):
    "Output file of each notebook: nbdev's (`output-file`, number prefix stripped); on a clash the notebook that exports a module keeps it."
    names, taken = {}, {}
    for p, nb, fm in items: taken.setdefault(fm.get('output-file') or p.stem + '.html', []).append((p, nb))
    for name, ps in taken.items():
        if len(ps) > 1:
            from nbdev.processors import _default_exp
            ps = sorted(ps, key=lambda t: _default_exp(t[1]) is None)
            print(f"  WARNING: {', '.join(str(p.name) for p, _ in ps)} all become {name} in nbdev's docs (nbdev strips number "
                  f"prefixes); rename one. Here {ps[0][0].name} keeps {name}.")
            for k, (p, _) in enumerate(ps[1:], 2): names[p] = f'{Path(name).stem}-{k}.html'
        names[ps[0][0]] = name
    return names

def build(out:Path=None, verbose:bool=True)->Path:
    "Build the site into `out` (default `_site/` at the project root); returns the folder."
    from pygments.formatters import HtmlFormatter
    t0 = time.time()
    cfg = _settings()
    out = Path(out or ROOT/'_site')
    nbs_path = Path(cfg.nbs_path)
    lib, lib_desc = cfg.get('title', cfg.lib_name), cfg.get('description', '')
    site_url = urljoin(cfg.doc_host + '/', cfg.doc_baseurl).rstrip('/') + '/'   # as nbdev.doclinks makes its links
    files = notebooks(nbs_path)
    items = []
    failed = []
    for p in files:
        t = time.time()
        try: nb, fm = process(p)
        except Exception as e:   # nbdev_docs would stop here; show the page without its API sections and fail at the end
            cause = f"{e}{': ' + repr(e.__cause__) if e.__cause__ else ''}"
            print(f"  ERROR: nbdev's docs processing of {p.name} failed (page built without show_doc sections). nbdev runs every "
                  f"cell that holds an import when it builds docs: keep imports in their own cell.\n    " + cause.replace('\n', '\n    '))
            failed.append(p.name)
            nb, fm = process(p, run_show_doc=False)
        items.append((p, nb, fm))
        if verbose: print(f"  processed {p.relative_to(nbs_path)} ({time.time() - t:.1f} s)")
    names = page_names(items)
    nav = [(names[p], fm.get('title', p.stem)) for p, nb, fm in items]
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    (out/'style.css').write_text(CSS + HtmlFormatter(style='default').get_style_defs('.highlight'))
    ex = exporter(make_renderer())
    for p, nb, fm in items:
        name = names[p]; stem = Path(name).stem
        ex._ids = {}
        body, res = ex.from_notebook_node(to_nbformat(nb), resources={'output_files_dir': f'{stem}_files', 'unique_key': stem,
                                                                        'metadata': {'path': str(p.parent)}})
        for f, data in res.get('outputs', {}).items():
            (out/f).parent.mkdir(parents=True, exist_ok=True); (out/f).write_bytes(data)
        body = body.replace(site_url, '')                      # nbdev's doc links point at the published site: make them local
        for src in sorted(set(re.findall(r'<img[^>]+src="([^"]+)"', body))):   # pictures a markdown cell refers to
            if src.startswith(('data:', 'http://', 'https://')): continue
            f = (p.parent/src).resolve()
            if f.is_file() and (ROOT/'docs'/'images').resolve() in f.parents:   # the project's pictures (../docs/images/, as README's)
                dst = f'images/{f.name}'
                (out/dst).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, out/dst)
                body = body.replace(f'src="{src}"', f'src="{dst}"'); continue
            if (out/src).exists(): continue
            if f.is_file() and nbs_path.resolve() in f.parents:
                (out/src).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, out/src)
            else: print(f"  WARNING: {p.name}: image {src} not found")
        (out/name).write_text(page_html(fm.get('title', p.stem), fm.get('description', ''), body, nav, lib, lib_desc, name))
    if _mathml('x', 'inline') is None: print("  note: latex2mathml is not installed: math is shown as LaTeX source (pip install latex2mathml)")
    if verbose: print(f"built {len(items)} pages into {out} in {time.time() - t0:.0f} s")
    if failed: raise SystemExit(f"nbdev's docs processing failed for {', '.join(failed)} (see ERROR above)")
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default=None, help='output folder (default: _site/ at the project root)')
    a = ap.parse_args()
    os.chdir(ROOT)
    build(Path(a.out) if a.out else None)
