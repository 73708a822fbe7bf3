#!/usr/bin/env python
"""Check the experiment notebook in a real JupyterLab: start `jupyter lab` on 127.0.0.1 (a token, no browser), open a
copy of nbs/train.ipynb in headless Chromium, run all cells through Lab's own "Run All" command at test sizes
(`IN_TEST=1`, 20 pre-training steps), and fail on a cell error, a console error in the page, or a figure that
does not render exactly once. Saves a screenshot of the notebook with its figures.

    python tools/check_lab.py                         # writes _site/lab_screenshot.png
    python tools/check_lab.py --screenshot x.png --chromium /usr/bin/chromium --timeout 600

Chromium is driven over the DevTools protocol as in tools/check_site.py (same `Browser`, same flags). The server
runs with a throw-away settings, workspaces and runtime folder, `expose_app_in_browser` (so the page's
`window.jupyterapp` can run Lab commands) and cell windowing off (so every cell's output is in the page).
Exit status 0 when all is well, 1 otherwise.
"""
from __future__ import annotations
import argparse, json, os, secrets, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_site import Browser, find_chromium   # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ('category_grid_figure', 'traversal_figure', 'tsne_figure', 'confusion_figure', 'curves_figure')
SETTINGS = {   # user settings of the throw-away Lab: every cell in the DOM, no news or update checks (no network)
    '@jupyterlab/notebook-extension/tracker.jupyterlab-settings': {'windowingMode': 'none'},
    '@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'fetchNews': 'false', 'checkForUpdates': False},
}

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def prepare(tmp:Path, notebook:Path)->Path:
    "Copy the notebook into the server's root with test-size parameters appended to its parameters cell (as papermill injects them)."
    nb = json.loads(notebook.read_text())
    (cell,) = [c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', [])]
    cell['source'] = ''.join(cell['source']) + "\noverrides = {'pretrain_steps': 20}   # check_lab: test sizes\n"
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
    (tmp/'root').mkdir(); dst = tmp/'root'/notebook.name
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
    images: c.outputArea ? [...c.outputArea.node.querySelectorAll('img')].map(i => i.complete && i.naturalWidth > 0) : [],
  }));
  return {ready: true, kernel: w.sessionContext.session.kernel.status, cells};
})()"""

def check(notebook:Path, exe:str, screenshot:Path|None, timeout:float)->int:
    errors, t0 = [], time.time()
    tmp = Path(tempfile.mkdtemp(prefix='check_lab_'))
    log = open(tmp/'lab.log', 'w+')
    port, token = free_port(), secrets.token_hex(16)
    proc = b = None
    try:
        nb = prepare(tmp, notebook)
        proc = start_lab(tmp, port, token, log)
        b = Browser(exe, timeout=60)
        ev = b.open(f'http://127.0.0.1:{port}/lab/tree/{nb.name}?token={token}')
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
        for fn in FIGURES:
            cs = [c for c in code if fn + '(' in c['source']]
            if len(cs) != 1: errors.append(f"{fn}: {len(cs)} cells call it, expected 1"); continue
            n = sum(cs[0]['images'])
            if n != 1: errors.append(f"{fn}: {n} rendered images in its cell, expected exactly 1")
        n_img = sum(sum(c['images']) for c in code)
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
            import base64
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
          f"{'FAIL, ' + str(len(errors)) + ' errors' if errors else 'ok'}" + (f"; screenshot {screenshot}" if screenshot and not errors else ''))
    return 1 if errors else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--notebook', default=str(ROOT/'nbs'/'train.ipynb'), help='notebook to run (default nbs/train.ipynb)')
    ap.add_argument('--chromium', default=None, help='Chromium executable (default: found on PATH)')
    ap.add_argument('--screenshot', default=str(ROOT/'_site'/'lab_screenshot.png'), help='where to save the screenshot')
    ap.add_argument('--no-screenshot', action='store_true')
    ap.add_argument('--timeout', type=float, default=600, help='seconds for the whole check')
    a = ap.parse_args()
    sys.exit(check(Path(a.notebook).resolve(), find_chromium(a.chromium), None if a.no_screenshot else Path(a.screenshot), a.timeout))
