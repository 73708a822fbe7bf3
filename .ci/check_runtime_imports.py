"""Import every codegan module while nbdev, fastcore, execnb, papermill and ipywidgets are blocked: the package must run on its
runtime requirements alone (as on a GPU box without the dev tools; ipywidgets is needed only when the explorer is opened)."""
import importlib, importlib.abc, pkgutil, sys

BLOCKED = ('nbdev', 'fastcore', 'execnb', 'papermill', 'ipywidgets')

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in BLOCKED: raise ImportError(f"codegan imported dev-only package {name!r}")
        return None

sys.meta_path.insert(0, Block())
import codegan
mods = sorted(m.name for m in pkgutil.iter_modules(codegan.__path__, 'codegan.') if not m.name.endswith('_modidx'))
for m in mods: importlib.import_module(m)
print(f"imported {len(mods)} modules without {', '.join(BLOCKED)}: {', '.join(mods)}")
