#!/usr/bin/env python
"""Does the label-free alignment score predict what the labels say? Reads the evaluation rows of run folders.

    python tools/alignment_analysis.py 'Result/*/metrics.jsonl' 'Result/compare/*/metrics.jsonl'

For every run whose evaluations log `align` (the share of G's samples that E's k-means clusters of real test images put
in the cluster matched to their category, no labels) and `gen_acc` (the oracle's generation accuracy), it prints
- across runs, at the last evaluation: Spearman and Pearson correlation of `align` with `gen_acc`, and with the
  encoder's ACC;
- within runs with 3 or more evaluations: the mean Spearman correlation over their evaluations;
- choosing a checkpoint by alignment (ties to the later one) instead of taking the last: the change in `gen_acc` and
  ACC, mean ± std over runs.
"""
import glob, sys
from pathlib import Path
import numpy as np
from scipy.stats import pearsonr, spearmanr
from codegan.run import read_history


def evals(path):
    rows = read_history(Path(path).parent)
    return [r for r in rows if r.get('kind') == 'eval' and 'align' in r and 'gen_acc' in r and 'acc' in r]


def main(patterns):
    runs = [e for p in sorted({f for pat in patterns for f in glob.glob(pat, recursive=True)}) if (e := evals(p))]
    if len(runs) < 3: sys.exit(f"need 3 or more runs with align and gen_acc; found {len(runs)}")
    a, g, e = (np.array([r[-1][k] for r in runs]) for k in ('align', 'gen_acc', 'acc'))
    print(f"{len(runs)} runs, last evaluation: align vs generation accuracy: Spearman {spearmanr(a, g)[0]:.2f}, "
          f"Pearson {pearsonr(a, g)[0]:.2f}; align vs encoder ACC: Spearman {spearmanr(a, e)[0]:.2f}")
    within, chosen = [], []
    for r in runs:
        if len(r) < 3: continue
        al = [x['align'] for x in r]
        if np.std(al) > 0:
            within.append((spearmanr(al, [x['gen_acc'] for x in r])[0], spearmanr(al, [x['acc'] for x in r])[0]))
        best = max(range(len(r)), key=lambda i: (round(r[i]['align'], 2), i))
        chosen.append((r[best]['gen_acc'] - r[-1]['gen_acc'], r[best]['acc'] - r[-1]['acc']))
    w, c = np.array(within), np.array(chosen)
    print(f"within {len(w)} runs: mean Spearman over evaluations, align vs generation accuracy {np.nanmean(w[:, 0]):.2f}, "
          f"vs ACC {np.nanmean(w[:, 1]):.2f}")
    print(f"checkpoint of best alignment instead of the last ({len(c)} runs): generation accuracy "
          f"{c[:, 0].mean():+.3f} ± {c[:, 0].std():.3f}, ACC {c[:, 1].mean():+.3f} ± {c[:, 1].std():.3f}")


if __name__ == '__main__': main(sys.argv[1:] or ['Result/**/metrics.jsonl'])
