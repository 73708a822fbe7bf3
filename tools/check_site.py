#!/usr/bin/env python
"""Check the built docs site in a real browser: serve _site/ on 127.0.0.1, open it in headless Chromium, follow every
sidebar link, and fail on a missing page, a broken image or any request that leaves the local server.

    python tools/build_docs.py && python tools/check_site.py      # writes _site/screenshot.png
    python tools/check_site.py --site DIR --chromium /usr/bin/chromium

Chromium is driven over the DevTools protocol (`websocket-client`, which JupyterLab's server already needs) with a
fresh profile and its background networking switched off. For every page: the HTTP status of the document and of
everything it loads, the title, the sidebar, each <img> decoded by the browser (naturalWidth > 0), and every
link to another page of the site (the file must exist, and so must the #anchor it names).
Exit status 0 when all is well, 1 otherwise. Install Chromium with `apt-get install chromium` (Debian).
"""
from __future__ import annotations
import argparse, base64, functools, http.server, json, os, shutil, socket, subprocess, sys, tempfile, threading, time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse, urldefrag

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--mute-audio',
         '--disable-domain-reliability', '--disable-client-side-phishing-detection', '--metrics-recording-only',
         '--hide-scrollbars', '--window-size=1280,900']

def find_chromium(given=None):
    for c in ([given] if given else []) + ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']:
        p = shutil.which(c) if c else None
        if p: return p
    raise SystemExit("no Chromium found: install it (Debian: apt-get install chromium) or pass --chromium PATH")

class Server:
    "A static file server for `root` on 127.0.0.1 and a free port, in a thread; records the status of every request."
    def __init__(self, root:Path):
        self.log = []
        log = self.log
        class Handler(http.server.SimpleHTTPRequestHandler):
            def send_response(self, code, message=None):
                log.append((self.path, code)); super().send_response(code, message)
            def log_message(self, *a): pass
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Handler, directory=str(root)))
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
    def __enter__(self): self.thread.start(); return self
    def __exit__(self, *a): self.httpd.shutdown(); self.httpd.server_close()

class Browser:
    "Headless Chromium with a fresh profile, driven over the DevTools protocol."
    def __init__(self, exe:str, timeout:float=30.):
        import websocket   # websocket-client
        self.tmp = tempfile.mkdtemp(prefix='check_site_')
        self.proc = subprocess.Popen([exe, *FLAGS, f'--user-data-dir={self.tmp}', '--remote-debugging-port=0', 'about:blank'],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file, t0 = Path(self.tmp)/'DevToolsActivePort', time.time()
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None: raise SystemExit(f"Chromium exited: {self.proc.stderr.read().decode()[-2000:]}")
            if time.time() - t0 > timeout: raise SystemExit("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=5))
                page = next(t for t in targets if t['type'] == 'page'); break
            except (OSError, StopIteration): time.sleep(0.1)
        else: raise SystemExit("no page target in Chromium")
        self.ws = websocket.create_connection(page['webSocketDebuggerUrl'], timeout=timeout, suppress_origin=True)
        self.timeout, self.n, self.events = timeout, 0, []
        for m in ('Page.enable', 'Network.enable', 'Runtime.enable', 'Log.enable'): self.cmd(m)
        self.cmd('Emulation.setDeviceMetricsOverride', width=1280, height=900, deviceScaleFactor=1, mobile=False)

    def cmd(self, method, **params):
        "Send a command; return its result (events arriving meanwhile are kept in `self.events`)."
        self.n += 1; i = self.n
        self.ws.send(json.dumps({'id': i, 'method': method, 'params': params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get('id') == i:
                if 'error' in m: raise RuntimeError(f"{method}: {m['error']}")
                return m.get('result', {})
            if 'method' in m: self.events.append(m)

    def wait_event(self, name):
        t0 = time.time()
        while time.time() - t0 < self.timeout:
            for k, e in enumerate(self.events):
                if e['method'] == name: return self.events.pop(k)
            m = json.loads(self.ws.recv())
            if 'method' in m: self.events.append(m)
        raise TimeoutError(name)

    def open(self, url):
        "Load `url`; return the DevTools events seen while loading (requests, responses, failures, console)."
        self.events.clear()
        self.cmd('Page.navigate', url=url)
        self.wait_event('Page.loadEventFired')
        time.sleep(0.05)
        self.cmd('Runtime.evaluate', expression='1')   # flush events that arrived with the load
        ev, self.events = self.events, []
        return ev

    def js(self, expr):
        r = self.cmd('Runtime.evaluate', expression=expr, returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in r: raise RuntimeError(r['exceptionDetails'])
        return r['result'].get('value')

    def screenshot(self, path):
        h = self.js('Math.min(document.documentElement.scrollHeight, 1400)')
        self.cmd('Emulation.setDeviceMetricsOverride', width=1280, height=int(h), deviceScaleFactor=1, mobile=False)
        data = self.cmd('Page.captureScreenshot', format='png')['data']
        Path(path).write_bytes(base64.b64decode(data))
        self.cmd('Emulation.setDeviceMetricsOverride', width=1280, height=900, deviceScaleFactor=1, mobile=False)

    def close(self):
        try: self.ws.close()
        except Exception: pass
        self.proc.terminate()
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

PAGE_INFO = """(() => {
  const side = document.querySelector('nav.sidebar');
  return {
    title: document.title,
    h1: (document.querySelector('h1.title') || {}).textContent || '',
    sidebar: side ? [...side.querySelectorAll('li a')].map(a => a.href) : null,
    images: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth})),
    links: [...document.querySelectorAll('main a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  };
})()"""

def check(site:Path, exe:str, screenshot:Path|None)->int:
    errors, warnings = [], []
    t0 = time.time()
    if not (site/'index.html').exists(): raise SystemExit(f"{site}/index.html missing: run tools/build_docs.py first")
    with Server(site) as srv:
        b = Browser(exe)
        try:
            pages, queue, seen, ids = {}, [urljoin(srv.url, 'index.html')], set(), {}
            sidebar0 = None
            while queue:
                url = queue.pop(0)
                if url in seen: continue
                seen.add(url)
                name = urlparse(url).path.lstrip('/') or 'index.html'
                ev = b.open(url)
                info = b.js(PAGE_INFO)
                pages[name] = info
                ids[name] = set(info['ids'])
                req = {}
                for e in ev:
                    p = e.get('params', {})
                    if e['method'] == 'Network.requestWillBeSent':
                        u = req[p['requestId']] = p['request']['url']
                        if not (u.startswith(srv.url) or u.startswith(('data:', 'about:', 'blob:'))): errors.append(f"{name}: request leaves the site: {u}")
                    elif e['method'] == 'Network.responseReceived' and p['response']['status'] >= 400:
                        errors.append(f"{name}: HTTP {p['response']['status']} for {p['response']['url']}")
                    elif e['method'] == 'Network.loadingFailed' and not p.get('canceled'):
                        errors.append(f"{name}: loading failed ({p.get('errorText')}) for {req.get(p.get('requestId'), '?')}")
                    elif e['method'] == 'Runtime.exceptionThrown':
                        errors.append(f"{name}: script error {p['exceptionDetails'].get('text')}")
                    elif e['method'] == 'Log.entryAdded' and p['entry']['level'] == 'error':
                        errors.append(f"{name}: console error: {p['entry']['text']} {p['entry'].get('url', '')}")
                if not info['h1'].strip(): errors.append(f"{name}: no page title (h1.title)")
                if not info['sidebar']: errors.append(f"{name}: no sidebar"); continue
                if sidebar0 is None: sidebar0 = info['sidebar']
                elif [urlparse(u).path for u in info['sidebar']] != [urlparse(u).path for u in sidebar0]:
                    errors.append(f"{name}: sidebar differs from the home page's")
                for im in info['images']:
                    if not im['ok']: errors.append(f"{name}: broken image {im['src'][:100]}")
                for u in info['sidebar']: queue.append(urldefrag(u)[0])
            # links from page bodies to other pages of the site: the file and the anchor must exist
            for name, info in pages.items():
                for u in info['links']:
                    if not u.startswith(srv.url): continue
                    base, frag = urldefrag(u)
                    target = urlparse(base).path.lstrip('/') or 'index.html'
                    if target not in pages:
                        try: urllib.request.urlopen(base, timeout=10).close()
                        except OSError as e: errors.append(f"{name}: link to missing {target} ({e})"); continue
                    elif frag and unquote(frag) not in ids[target]: errors.append(f"{name}: link to {target}#{frag}: no such anchor")
            if screenshot:
                b.open(urljoin(srv.url, 'index.html'))
                b.screenshot(screenshot)
        finally: b.close()
    n_img = sum(len(i['images']) for i in pages.values())
    for w in sorted(set(warnings)): print('warning:', w)
    for e in errors: print('ERROR:', e)
    print(f"checked {len(pages)} pages, {n_img} images, {sum(len(i['links']) for i in pages.values())} links in "
          f"{time.time() - t0:.1f} s: {'FAIL, ' + str(len(errors)) + ' errors' if errors else 'ok'}"
          + (f"; screenshot {screenshot}" if screenshot else ''))
    return 1 if errors else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--site', default=str(ROOT/'_site'), help='the built site (default _site/)')
    ap.add_argument('--chromium', default=None, help='Chromium executable (default: found on PATH)')
    ap.add_argument('--screenshot', default=None, help='where to save the home page screenshot (default <site>/screenshot.png)')
    ap.add_argument('--no-screenshot', action='store_true')
    a = ap.parse_args()
    site = Path(a.site)
    shot = None if a.no_screenshot else Path(a.screenshot or site/'screenshot.png')
    sys.exit(check(site, find_chromium(a.chromium), shot))
