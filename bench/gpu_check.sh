#!/usr/bin/env bash
# One command that checks codegan on a CUDA GPU in a few minutes, and prints every figure a note needs:
#   (a) torch / CUDA / GPU, (b) the notebook tests that build a Trainer, run on that device (without nbdev),
#   (c) bench_step.py ms/iteration of fashionmnist_un in fp32, bf16 autocast, torch.compile and compile + bf16,
#       and of its SimCLR pre-training steps in fp32 and bf16,
#   (d) a Fashion-MNIST run of about 5 minutes on the reference settings, with its ACC / purity / NMI at the end,
#   (e) a 2-process data-parallel run under torchrun (nccl where two GPUs exist, gloo with --device cpu), then
#       resumed on one process,
#   (f) bench_step.py ms/iteration of the 32x32 recipe `cifar10` at full width (resnet32_cbn, fake CIFAR-shaped
#       data: no files needed) with its defaults (bf16 where the device has it), and the time of a full CIFAR-10 run
#       (the config's iterations; evaluations and checkpoints come on top).
# Each section prints its result and the next one runs even if it failed; the exit status counts the failures.
#
#   bash bench/gpu_check.sh                          # on the GPU box; Fashion-MNIST files in dataset/fashion_mnist
#   bash bench/gpu_check.sh --data /path/to/fashion_mnist --minutes 5
#   bash bench/gpu_check.sh --device cpu --quick     # every section, tiny sizes, on CPU (digits for section d)
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" MPLBACKEND=Agg PYTHONUNBUFFERED=1
DEVICE=cuda; QUICK=0; DATA=dataset/fashion_mnist; MINUTES=5; OUT=${OUT:-runs/gpu_check}
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE=$2; shift 2;;
    --quick) QUICK=1; shift;;
    --data) DATA=$2; shift 2;;
    --minutes) MINUTES=$2; shift 2;;
    --out) OUT=$2; shift 2;;
    -h|--help) sed -n '2,16p' "$0"; exit 0;;
    *) echo "gpu_check: unknown option $1 (see --help)" >&2; exit 2;;
  esac
done
mkdir -p "$OUT"; fails=0; t_all=$(date +%s)
section() { echo; echo "== ($1) $2   [$(( $(date +%s) - t_all )) s]"; }
note_fail() { echo "FAILED: $1"; fails=$((fails + 1)); }

section a "torch, CUDA, device"
python - "$DEVICE" <<'EOF' || note_fail "(a) the device is not usable"
import sys, platform, torch
dev = sys.argv[1]
print(f"python {platform.python_version()}  torch {torch.__version__}  CUDA build {torch.version.cuda}  cuDNN {torch.backends.cudnn.version()}")
print(f"CUDA available: {torch.cuda.is_available()}  devices: {torch.cuda.device_count()}  CPU threads: {torch.get_num_threads()}")
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print(f"  cuda:{i} {p.name}, {p.total_memory / 2**30:.0f} GiB, capability {p.major}.{p.minor}, bf16 {torch.cuda.is_bf16_supported()}")
if dev.startswith('cuda') and not torch.cuda.is_available(): sys.exit("CUDA requested but not available")
EOF

section b "notebook tests that build a Trainer, on $DEVICE"
if [ "$DEVICE" = cpu ]; then export CUDA_VISIBLE_DEVICES=""; fi   # the notebooks' device 'auto' then means the CPU
nbs=$(grep -l 'Trainer(' nbs/[0-9]*.ipynb)
[ "$QUICK" = 1 ] && nbs=$(echo "$nbs" | head -n 2)
timeout 240 python bench/run_notebooks.py $nbs || note_fail "(b) notebook tests"
unset CUDA_VISIBLE_DEVICES

section c "bench_step.py, fashionmnist_un, ms/iteration"
iters=20; warm=3; [ "$QUICK" = 1 ] && { iters=2; warm=1; }
for v in "fp32|--set amp=false" "bf16|--set amp=true" "compile|--set compile=true --set amp=false" \
         "compile+bf16|--set compile=true --set amp=true"; do
  name=${v%%|*}; opts=${v#*|}
  echo "-- $name"
  timeout 300 python bench/bench_step.py --config fashionmnist_un --device "$DEVICE" --iters $iters --warmup $warm $opts \
      --json "$OUT/bench_$name.json" 2>"$OUT/bench_$name.err" | grep -E 'iteration|step|amp' \
    || { tail -n 2 "$OUT/bench_$name.err"; note_fail "(c) $name"; }
done
for v in "fp32|--set amp=false" "bf16|--set amp=true"; do   # SimCLR pre-training steps, batch 256
  name=pretrain_${v%%|*}; opts=${v#*|}
  echo "-- $name"
  timeout 300 python bench/bench_step.py --config fashionmnist_un --pretrain 256 --device "$DEVICE" --iters $iters \
      --warmup $warm $opts --json "$OUT/bench_$name.json" 2>"$OUT/bench_$name.err" | grep -E 'step|amp' \
    || { tail -n 2 "$OUT/bench_$name.err"; note_fail "(c) $name"; }
done

section d "a short Fashion-MNIST run on the reference settings"
if [ "$QUICK" = 1 ]; then
  args=(--config digits --set steps=30 --set eval_every=30 --set width=0.25)
else
  # as many iterations as fit in the time budget at the fp32 speed measured in (c); the run uses the defaults
  # (bf16 on a GPU that has it), so it ends sooner
  steps=$(python -c "import json,sys; ms=json.load(open('$OUT/bench_fp32.json'))['ms_iteration']; print(max(100, int($MINUTES*60e3/ms/100)*100))" 2>/dev/null || echo 2000)
  args=(--config fashionmnist_un --set data_root="$DATA" --set download=false --set steps="$steps" --set eval_every="$steps"
        --set epochs=null)
fi
rm -rf "$OUT/short_run"
timeout $(( MINUTES * 60 + 300 )) python -m codegan.train "${args[@]}" --set device="$DEVICE" --set out_dir="$OUT" \
    --set exp_name=short_run --set progress=false >"$OUT/short_run.log" 2>&1 || { tail -n 5 "$OUT/short_run.log"; note_fail "(d) run"; }
python - "$OUT/short_run" <<'EOF' || note_fail "(d) no evaluation"
import json, sys
rows = [json.loads(l) for l in open(f"{sys.argv[1]}/metrics.jsonl")]
ev, tr = [r for r in rows if r['kind'] == 'eval'], [r for r in rows if r['kind'] == 'train']
e = ev[-1]
print(f"step {e['step']}, {tr[-1]['time']:.0f} s of training: ACC {e['acc']:.3f}  purity {e['purity']:.3f}  NMI {e['nmi']:.3f}"
      f"  ARI {e['ari']:.3f}  diversity {e.get('diversity', float('nan')):.2f}")
EOF

section e "2-process data-parallel smoke run (torchrun)"
ngpu=$(python -c "import torch; print(torch.cuda.device_count())")
if [ "$DEVICE" != cpu ] && [ "$ngpu" -lt 2 ]; then
  echo "skipped: $ngpu GPU(s); the data-parallel check needs two (--device cpu runs it on two CPU processes with gloo)"
else
  # under torchrun each process takes cuda:LOCAL_RANK (nccl), or the CPU (gloo); batch sizes are global
  if [ "$DEVICE" = cpu ]; then ddev=cpu; backend=gloo; else ddev=cuda; backend=nccl; fi
  rm -rf "$OUT/ddp"
  echo "-- torchrun --standalone --nproc_per_node=2 -m codegan.train ($backend), 20 steps; then resumed on 1 process to 24"
  timeout 300 python -m torch.distributed.run --standalone --nproc_per_node=2 -m codegan.train --config digits \
      --set steps=20 --set eval_every=20 --set ckpt_every=10 --set log_every=10 --set width=0.25 --set device="$ddev" \
      --set out_dir="$OUT" --set exp_name=ddp --set progress=false >"$OUT/ddp.log" 2>&1 \
    && timeout 300 python -m codegan.train --resume "$OUT/ddp" --set steps=24 --set device="$DEVICE" \
      --set progress=false >>"$OUT/ddp.log" 2>&1 \
    && python - "$OUT/ddp" "$OUT/ddp.log" <<'EOF' || { tail -n 8 "$OUT/ddp.log"; note_fail "(e) data-parallel run"; }
import json, sys, torch
run, log = sys.argv[1:]
rows = [json.loads(l) for l in open(f"{run}/metrics.jsonl")]
banner = [l.strip() for l in open(log) if l.startswith('run folder:')]
ck = torch.load(f"{run}/checkpoint.pt", map_location='cpu', weights_only=True)
tr = {r['step']: r for r in rows if r['kind'] == 'train'}
ev = [r for r in rows if r['kind'] == 'eval']
assert len(banner) == 2 and 'processes: 2' in banner[0], banner   # one line per command: rank 0 alone prints
assert [r['step'] for r in ev] == [20, 24] and ck['step'] == 24, (ev, ck['step'])
print(banner[0])
print(f"2 processes, step 20: loss_d {tr[20]['loss_d']:.3f}  loss_g {tr[20]['loss_g']:.3f}  ACC {ev[0]['acc']:.3f}  NMI {ev[0]['nmi']:.3f}")
print(f"resumed on 1 process, step 24: loss_d {tr[24]['loss_d']:.3f}  ACC {ev[1]['acc']:.3f}  (global batch_d {ck['cfg']['batch_d']})")
EOF
fi

section f "the 32x32 recipe (cifar10) at full width, and a full CIFAR-10 run's time"
iters=20; warm=3; [ "$QUICK" = 1 ] && { iters=2; warm=1; }
timeout 300 python bench/bench_step.py --config cifar10 --device "$DEVICE" --iters $iters --warmup $warm \
    --json "$OUT/bench_cifar10.json" 2>"$OUT/bench_cifar10.err" | grep -E 'iteration|step|amp' \
  && python - "$OUT/bench_cifar10.json" <<'EOF' || { tail -n 2 "$OUT/bench_cifar10.err"; note_fail "(f) cifar10 recipe"; }
import json, sys
from codegan.train_config import load_config
ms, steps = json.load(open(sys.argv[1]))['ms_iteration'], load_config('cifar10').steps
print(f"cifar10 recipe: {ms:.1f} ms per iteration; its {steps:,} iterations: about {ms * steps / 3.6e6:.1f} hours of "
      f"training (evaluations and checkpoints come on top)")
EOF

echo; echo "gpu_check: $fails section(s) failed, $(( $(date +%s) - t_all )) s in all"
exit $fails
