#!/usr/bin/env python
"""Check the experiment notebooks in a real JupyterLab: start `jupyter lab` on 127.0.0.1 (a token, no browser), open a
copy of each notebook in headless Chromium, run all cells through Lab's own "Run All" command at test sizes
(`IN_TEST=1`; train.ipynb with 20 pre-training steps), and fail on a cell error, a console error in the page, or a
figure that does not render exactly once. Saves a screenshot of each.

nbs/use.ipynb ends with the explorer widget (`codegan.explore`), which is then used through the page as a person
would: drag the z_n[0] slider's handle with the mouse, click category 3's button, upload a PNG and a text file
with the upload button. After each, the pictures must change (compared pixel by pixel through a canvas),
the upload (its button clicked, the file given to the page's file chooser) must show a cluster and neighbours, the text file one line; the times from the mouse's release to the new
picture are printed. Its screenshot shows the explorer's samples tab after the slider and the category moved
(`lab_use.png`), and its image tab after the upload (`lab_use_image.png`).

    python tools/check_lab.py                          # both notebooks; writes _site/lab_train.png, _site/lab_use*.png
    python tools/check_lab.py --notebook nbs/use.ipynb --run Result/<run>   # the explorer on a trained run
    python tools/check_lab.py --screenshots DIR --chromium /usr/bin/chromium --timeout 600

Chromium is driven over the DevTools protocol as in tools/check_site.py (same `Browser`, same flags). The server
runs with a throw-away settings, workspaces and runtime folder, `expose_app_in_browser` (so the page's
`window.jupyterapp` can run Lab commands) and cell windowing off (so every cell's output is in the page).
Exit status 0 when all is well, 1 otherwise.
"""
from __future__ import annotations
import argparse, base64, io, json, os, secrets, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_site import Browser, find_chromium   # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ('category_grid_figure', 'traversal_figure', 'tsne_figure', 'confusion_figure', 'curves_figure')
NOTEBOOKS = {   # per notebook: what goes into its parameters cell at test sizes, the figures each shown exactly once
    'train.ipynb': ("overrides = {'pretrain_steps': 20}   # check_lab: test sizes", FIGURES),
    'use.ipynb': (None, ()),
}
SETTINGS = {   # user settings of the throw-away Lab: every cell in the DOM, no news or update checks (no network)
    '@jupyterlab/notebook-extension/tracker.jupyterlab-settings': {'windowingMode': 'none'},
    '@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'fetchNews': 'false', 'checkForUpdates': False},
}

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def prepare(tmp:Path, notebook:Path, params:str|None)->Path:
    "Copy the notebook to the server's root/nbs/ with `params` appended to its parameters cell (as papermill injects them)."
    nb = json.loads(notebook.read_text())
    if params:
        (cell,) = [c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', [])]
        cell['source'] = ''.join(cell['source']) + f"\n{params}\n"
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
    (tmp/'root'/'nbs').mkdir(parents=True); dst = tmp/'root'/'nbs'/notebook.name
    if (ROOT/'docs'/'images').is_dir(): shutil.copytree(ROOT/'docs'/'images', tmp/'root'/'docs'/'images')   # markdown pictures
    dst.write_text(json.dumps(nb, indent=1)); return dst

def start_lab(tmp:Path, port:int, token:str, log)->subprocess.Popen:
    for name, obj in SETTINGS.items():
        p = tmp/'settings'/name; p.parent.mkdir(parents=True, exist_ok=True); p.write_text(json.dumps(obj))
    env = {**os.environ, 'IN_TEST': '1', 'JUPYTERLAB_SETTINGS_DIR': str(tmp/'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(tmp/'ws'),
           'JUPYTER_RUNTIME_DIR': str(tmp/'runtime'), 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1')}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}', '--ServerApp.port_retries=0',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={tmp/"root"}', '--LabApp.expose_app_in_browser=True',
           '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate', '--LabApp.extension_manager=readonly']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')   # containers and CI run as root
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp/'root')
    t0 = time.time()
    while True:
        try: urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2).close(); return proc
        except OSError:
            if proc.poll() is not None: raise RuntimeError(f"jupyter lab exited with status {proc.returncode}")
            if time.time() - t0 > 60: raise RuntimeError("jupyter lab did not answer within 60 s")
            time.sleep(0.3)

STATE = """(() => {
  const app = window.jupyterapp; if (!app) return {ready: false, why: 'no window.jupyterapp'};
  const w = [...app.shell.widgets('main')].find(w => w.content && w.content.model && w.sessionContext);
  if (!w) return {ready: false, why: 'no notebook panel'};
  if (!w.sessionContext.session || !w.sessionContext.session.kernel) return {ready: false, why: 'no kernel'};
  const cells = w.content.widgets.map(c => ({
    type: c.model.type, source: c.model.sharedModel.getSource(),
    count: c.model.type === 'code' ? c.model.executionCount : null,
    outputs: c.model.type === 'code' ? c.model.outputs.toJSON().map(o => o.output_type) : [],
    errors: c.model.type === 'code' ? c.model.outputs.toJSON().filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue) : [],
    stderr: c.model.type === 'code' ? c.model.outputs.toJSON().filter(o => o.output_type === 'stream' && o.name === 'stderr').map(o => [].concat(o.text).join('')).join('') : '',
    images: c.outputArea ? [...c.outputArea.node.querySelectorAll('img:not(.widget-image)')].map(i => i.complete && i.naturalWidth > 0) : [],
  }));
  return {ready: true, kernel: w.sessionContext.session.kernel.status, cells};
})()"""


EXPLORER = """(() => {
  const e = document.querySelector('.codegan-explorer'); if (!e) return null;
  const pic = name => {   // a hash of the picture's pixels (its <img> drawn on a canvas), and its size
    const i = e.querySelector('img.codegan-' + name); if (!i || !i.complete || !i.naturalWidth) return null;
    const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;
    const g = c.getContext('2d'); g.drawImage(i, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261; for (let k = 0; k < d.length; k++) { h ^= d[k]; h = Math.imul(h, 16777619) >>> 0; }
    return h + ':' + c.width + 'x' + c.height; };
  const text = sel => (e.querySelector(sel) || {}).textContent || '';
  return {view: pic('view'), grid: pic('grid'), sweep: pic('sweep'), yours: pic('yours'), real: pic('real'), fake: pic('fake'),
          category: [...e.querySelectorAll('.codegan-category button')].findIndex(b => b.classList.contains('mod-active')),
          zn0: text('.codegan-zn0 .widget-readout'), status: text('.codegan-status'), result: text('.codegan-result')};
})()"""

def _rect(b, expr:str)->list:
    "[x, y, width, height] of the element `expr` evaluates to, in the viewport."
    return b.js(f"(() => {{ const r = ({expr}).getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }})()")

def _mouse(b, kind:str, x:float, y:float, pressed:bool):
    b.cmd('Input.dispatchMouseEvent', type=kind, x=x, y=y, button='left', buttons=1 if pressed else 0, clickCount=1)

def _click(b, expr:str):
    x, y, w, h = _rect(b, expr)
    _mouse(b, 'mouseMoved', x + w / 2, y + h / 2, False)
    _mouse(b, 'mousePressed', x + w / 2, y + h / 2, True); _mouse(b, 'mouseReleased', x + w / 2, y + h / 2, False)

def _until(b, test, what:str, timeout:float=30.)->tuple:
    "Poll the explorer's state until `test(state)`; (state, seconds waited), or raise TimeoutError naming `what`."
    t0 = time.time()
    while True:
        st = b.js(EXPLORER)
        if st and test(st): return st, time.time() - t0
        if time.time() - t0 > timeout: raise TimeoutError(f"explorer: {what} within {timeout:.0f} s (state: {st})")
        time.sleep(0.05)

def _clip(b, expr:str, path:Path):
    "Save a screenshot of the element `expr` evaluates to."
    x, y, w, h = _rect(b, expr)
    data = b.cmd('Page.captureScreenshot', format='png', clip=dict(x=max(x - 8, 0), y=max(y - 8, 0), width=w + 16, height=h + 16, scale=1))['data']
    path.parent.mkdir(parents=True, exist_ok=True); path.write_bytes(base64.b64decode(data))

def _png_file(path:Path)->Path:
    "A 28x28 PNG of a hand-drawn-looking 7, to upload."
    from PIL import Image, ImageDraw
    im = Image.new('L', (28, 28)); d = ImageDraw.Draw(im); d.line([(7, 7), (21, 7), (12, 23)], fill=255, width=3)
    im.save(path); return path

def check_explorer(b, tmp:Path, screenshots:Path|None)->list:
    "Use the explorer through the page: drag a slider, click a category, upload files; returns what went wrong."
    errors, say = [], lambda m: print(f"  explorer: {m}")
    st = b.js(EXPLORER)
    if st is None: return ["explorer: no widget in the page (is @jupyter-widgets/jupyterlab-manager installed?)"]
    b.cmd('Emulation.setDeviceMetricsOverride', width=1280, height=1100, deviceScaleFactor=1, mobile=False)
    b.js("document.querySelector('.codegan-explorer').scrollIntoView({block: 'start'})"); time.sleep(0.5)
    st, _ = _until(b, lambda s: s['view'] and s['grid'] and s['sweep'], 'the pictures did not render')
    # drag the z_n[0] slider's handle 60 pixels to the right
    x, y, w, h = _rect(b, "document.querySelector('.codegan-zn0 .noUi-handle')")
    cx, cy = x + w / 2, y + h / 2
    _mouse(b, 'mouseMoved', cx, cy, False); _mouse(b, 'mousePressed', cx, cy, True)
    for k in range(1, 7): _mouse(b, 'mouseMoved', cx + 10 * k, cy, True); time.sleep(0.02)
    _mouse(b, 'mouseReleased', cx + 60, cy, False)
    new, dt = _until(b, lambda s: s['view'] != st['view'] and s['grid'] != st['grid'], 'dragging the z_n[0] slider did not change the pictures')
    time.sleep(0.5); new = b.js(EXPLORER)   # the drag's last redraw
    if new['zn0'] == st['zn0']: errors.append(f"explorer: the z_n[0] readout stayed {st['zn0']} after the drag")
    say(f"z_n[0] dragged {st['zn0']} -> {new['zn0']}: new pictures {1000 * dt:.0f} ms after the mouse's release ({new['status'].strip()})")
    # click category 3
    st = new
    _click(b, "[...document.querySelectorAll('.codegan-explorer .codegan-category button')][3]")
    new, dt = _until(b, lambda s: s['category'] == 3 and s['view'] != st['view'] and s['grid'] != st['grid'],
                     'clicking category 3 did not change the pictures')
    say(f"category {st['category']} -> 3: new pictures {1000 * dt:.0f} ms after the click ({new['status'].strip()})")
    time.sleep(0.5)
    if screenshots: _clip(b, "document.querySelector('.codegan-explorer')", screenshots/'lab_use.png')
    # the image tab: upload a PNG, then a text file, through the upload's file input
    _click(b, "[...document.querySelectorAll('.codegan-explorer .lm-TabBar-tab')].find(t => t.textContent.includes('Your image'))")
    time.sleep(0.3)
    b.cmd('Page.setInterceptFileChooserDialog', enabled=True)
    def upload(path:Path):   # click the upload button; the page's file chooser gets the file
        b.events[:] = [e for e in b.events if e.get('method') != 'Page.fileChooserOpened']
        _click(b, "document.querySelector('.codegan-explorer .codegan-upload')")
        node = b.wait_event('Page.fileChooserOpened')['params']['backendNodeId']
        b.cmd('DOM.setFileInputFiles', backendNodeId=node, files=[str(path)])
    upload(_png_file(tmp/'seven.png'))
    new, dt = _until(b, lambda s: 'cluster' in s['result'] and s['real'] and s['fake'] and s['yours'], 'the uploaded PNG got no cluster and neighbours')
    say(f"uploaded seven.png: {new['result'].strip()} ({1000 * dt:.0f} ms)")
    time.sleep(0.5)
    if screenshots: _clip(b, "document.querySelector('.codegan-explorer')", screenshots/'lab_use_image.png')
    (tmp/'notes.txt').write_text('not a picture\n')
    upload(tmp/'notes.txt')
    new, _ = _until(b, lambda s: s['result'].startswith('notes.txt'), 'the uploaded text file got no message')
    if new['result'] != 'notes.txt: not an image this can read (UnidentifiedImageError)' or new['real']:
        errors.append(f"explorer: a text file's upload shows {new['result']!r} (real neighbours: {bool(new['real'])})")
    else: say(f"uploaded notes.txt: {new['result']}")
    return errors

def check(notebook:Path, exe:str, screenshots:Path|None, timeout:float, run:str|None=None)->int:
    errors, t0 = [], time.time()
    tmp = Path(tempfile.mkdtemp(prefix='check_lab_'))
    log = open(tmp/'lab.log', 'w+')
    port, token = free_port(), secrets.token_hex(16)
    proc = b = None
    try:
        params, figures = NOTEBOOKS.get(notebook.name, (None, ()))
        if run: params = (params + '\n' if params else '') + f"run = {str(Path(run).resolve())!r}   # check_lab --run"
        nb = prepare(tmp, notebook, params)
        proc = start_lab(tmp, port, token, log)
        b = Browser(exe, timeout=60)
        ev = b.open(f'http://127.0.0.1:{port}/lab/tree/nbs/{nb.name}?token={token}')
        st = {'ready': False}
        while not st['ready'] or st['kernel'] not in ('idle',):
            if time.time() - t0 > 90: raise TimeoutError(f"the notebook or its kernel did not come up: {st}")
            time.sleep(0.5); st = b.js(STATE)
        b.js("(() => { const app = window.jupyterapp, w = [...app.shell.widgets('main')].find(w => w.content && w.sessionContext); "
             "app.shell.activateById(w.id); return app.commands.execute('notebook:run-all-cells'); })()")
        while True:
            time.sleep(1); st = b.js(STATE)
            code = [c for c in st['cells'] if c['type'] == 'code']
            if any(c['errors'] for c in code): break
            if st['kernel'] == 'idle' and all(isinstance(c['count'], int) for c in code): break
            if time.time() - t0 > timeout: raise TimeoutError(f"cells still running after {timeout:.0f} s")
        time.sleep(1); st = b.js(STATE)   # let the last outputs render
        code = [c for c in st['cells'] if c['type'] == 'code']
        for i, c in enumerate(code):
            for e in c['errors']: errors.append(f"cell {i}: {e}")
            if any(not ok for ok in c['images']): errors.append(f"cell {i}: an image did not render")
        for fn in figures:
            cs = [c for c in code if fn + '(' in c['source']]
            if len(cs) != 1: errors.append(f"{fn}: {len(cs)} cells call it, expected 1"); continue
            n = sum(cs[0]['images'])
            if n != 1: errors.append(f"{fn}: {n} rendered images in its cell, expected exactly 1")
        n_img = sum(sum(c['images']) for c in code)
        if notebook.name == 'use.ipynb' and not errors:
            errors += check_explorer(b, tmp, screenshots)
            st = b.js(STATE)
            for i, c in enumerate(c for c in st['cells'] if c['type'] == 'code'):
                for e in c['errors']: errors.append(f"cell {i}, after using the explorer: {e}")
                if c['stderr'].strip(): errors.append(f"cell {i} wrote to stderr: {c['stderr'].strip()[:300]}")
        if os.environ.get('CHECK_LAB_DEBUG'):
            for c in code: print(repr(c['source'][:40]), c['count'], c['outputs'], c['images'])
        for e in ev + b.events:
            p = e.get('params', {})
            if e.get('method') == 'Runtime.exceptionThrown':
                d = p['exceptionDetails']; errors.append(f"script error: {d.get('text')} {d.get('exception', {}).get('description', '')[:300]}")
            elif e.get('method') == 'Log.entryAdded' and p['entry']['level'] == 'error':
                errors.append(f"console error: {p['entry']['text']} {p['entry'].get('url', '')}")
            elif e.get('method') == 'Runtime.consoleAPICalled' and p.get('type') == 'error':
                errors.append("console error: " + ' '.join(str(a.get('value', a.get('description', ''))) for a in p.get('args', []))[:300])
        screenshot = screenshots/f'lab_{notebook.stem}.png' if screenshots and notebook.name != 'use.ipynb' else None
        if screenshot:
            b.js("window.jupyterapp.shell.collapseLeft(); window.jupyterapp.shell.collapseRight && window.jupyterapp.shell.collapseRight()")
            h = int(b.js("(() => { const w = [...window.jupyterapp.shell.widgets('main')].find(w => w.content && w.sessionContext); "
                         "const s = w.content.node.querySelector('.jp-WindowedPanel-outer') || w.content.node; "
                         "return s.scrollHeight + 120; })()"))
            b.cmd('Emulation.setDeviceMetricsOverride', width=1280, height=min(max(h, 900), 8000), deviceScaleFactor=1, mobile=False)
            time.sleep(1)
            b.js("(() => { const w = [...window.jupyterapp.shell.widgets('main')].find(w => w.content && w.sessionContext); "
                 "for (const e of [w.content.node, ...w.content.node.querySelectorAll('*')]) if (e.scrollTop) e.scrollTop = 0; })()")
            time.sleep(1)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(b.cmd('Page.captureScreenshot', format='png')['data']))
    except (TimeoutError, RuntimeError, SystemExit) as e:   # SystemExit: Chromium did not start (check_site.Browser)
        errors.append(f"{type(e).__name__}: {e}")
        n_img, code = 0, []
    finally:
        if b is not None: b.close()
        if proc is not None:
            proc.terminate()
            try: proc.wait(20)
            except subprocess.TimeoutExpired: proc.kill(); proc.wait()
        if errors:
            log.seek(0); print('--- jupyter lab log (tail):\n' + log.read()[-3000:])
        log.close(); shutil.rmtree(tmp, ignore_errors=True)
    for e in errors: print('ERROR:', e)
    print(f"JupyterLab: ran {len(code)} code cells of {notebook.name}, {n_img} figures rendered, in {time.time() - t0:.1f} s: "
          f"{'FAIL, ' + str(len(errors)) + ' errors' if errors else 'ok'}" + (f"; screenshots in {screenshots}" if screenshots and not errors else ''))
    return 1 if errors else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--notebook', action='append', help='a notebook to run (repeatable; default nbs/train.ipynb and nbs/use.ipynb)')
    ap.add_argument('--run', help="use.ipynb: the run folder to explore (default: the tiny run it trains at test sizes)")
    ap.add_argument('--chromium', default=None, help='Chromium executable (default: found on PATH)')
    ap.add_argument('--screenshots', default=str(ROOT/'_site'), help='folder for the screenshots lab_<notebook>.png (default _site)')
    ap.add_argument('--no-screenshot', action='store_true')
    ap.add_argument('--timeout', type=float, default=600, help='seconds for each notebook')
    a = ap.parse_args()
    exe = find_chromium(a.chromium)
    nbs = a.notebook or [str(ROOT/'nbs'/'train.ipynb'), str(ROOT/'nbs'/'use.ipynb')]
    shots = None if a.no_screenshot else Path(a.screenshots)
    sys.exit(max(check(Path(n).resolve(), exe, shots, a.timeout, a.run) for n in nbs))
