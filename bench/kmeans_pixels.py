"""Baseline: k-means on raw pixels of the MNIST and Fashion-MNIST test splits.

Prints Hungarian ACC, purity, NMI and ARI (mean +- std over k-means runs with different random states),
the number of images and the wall time per data set. This is the floor any learned encoder must beat.

    python bench/kmeans_pixels.py --root /work/shared/data [--seeds 5] [--n-init 10] [--datasets mnist fashion_mnist]

`--root` holds one folder per data set (`<root>/mnist/t10k-images-idx3-ubyte.gz`, ...), as read by
`codegan.data.load_dataset(name, 'test', root=<root>/<name>, download=False)`.
"""
import argparse, shlex, sys, time
from pathlib import Path
import numpy as np
from codegan.data import load_dataset
from codegan.metrics import kmeans_scores


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--root', default='dataset', help="folder holding mnist/ and fashion_mnist/ with the idx .gz files")
    p.add_argument('--datasets', nargs='+', default=['mnist', 'fashion_mnist'])
    p.add_argument('--split', default='test', choices=['train', 'test'])
    p.add_argument('--seeds', type=int, default=5, help="k-means runs, random_state 0..seeds-1")
    p.add_argument('--n-init', type=int, default=10, help="k-means++ restarts inside each run")
    p.add_argument('--n', type=int, default=None, help="use only the first n images (default: all)")
    a = p.parse_args(argv)
    print("command:", shlex.join([Path(sys.argv[0]).as_posix()] + (sys.argv[1:] if argv is None else list(argv))))
    print(f"k-means on raw pixels in [0, 1] (784-d), {a.split} split, K = number of classes, "
          f"{a.seeds} runs x n_init={a.n_init}; mean +- std over runs (ACC = Hungarian-matched)")
    for name in a.datasets:
        t0 = time.time()
        data = load_dataset(name, a.split, root=Path(a.root) / name, download=False)
        x, y = data.x, data.y
        if a.n is not None: x, y = x[:a.n], y[:a.n]
        feats = x.reshape(len(x), -1).float().numpy() / 255.
        r = kmeans_scores(feats, y.numpy(), data.info.n_classes, seeds=a.seeds, n_init=a.n_init)
        dt = time.time() - t0
        scores = "  ".join(f"{k.upper() if k != 'purity' else 'purity'} {r[k]:.4f} +- {r[k + '_std']:.4f}"
                           for k in ('acc', 'purity', 'nmi', 'ari'))
        print(f"{name:14s} n={r['n']:6d}  K={data.info.n_classes}  {scores}  ({dt:.1f} s)")


if __name__ == '__main__': main()
