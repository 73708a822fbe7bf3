__version__ = "0.1.0"

def __getattr__(name):
    "`codegan.load_run` (codegan.use.load_run), imported on first use: `import codegan` itself stays light."
    if name == 'load_run':
        from .use import load_run
        return load_run
    raise AttributeError(f"module 'codegan' has no attribute {name!r}")
