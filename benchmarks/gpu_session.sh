#!/usr/bin/env bash
# Every GPU-specific check in one run, for a CUDA machine that cannot reach a package index (the
# device machine of this workplace: its python3 has torch and CUDA, not attnlint's dependencies).
#
# Wheels travel in .whl/ (ignored by git): .whl/core (attnlint's core dependencies), and one folder
# per transformers release with that release and the tokenizers/huggingface_hub it needs
# (.whl/4.51.0, .whl/5.24.0). Results land in $OUT/results.tgz; record them with
# benchmarks/gpu_record.py. Each job has its own time limit, so one slow job cannot lose the others.
#
# What runs, side by side:
#   - benchmarks/gpu_check.py: the guard (Llama4, flex + every cache the release builds, batch 2
#     with left padding, past the chunk boundary) against eager. 5.24.0 saves the weights and its
#     eager output as the reference, 4.51.0 (whose eager is wrong past the chunk) compares with it.
#   - attnlint probe --device cuda (compiled flex) on every default model type, per release.
#   - attnlint probe --verify-rules --device cuda, per release (three processes by model type).
set -u
OUT=${OUT:-/tmp/attnlint-gpu}
LIMIT=${LIMIT:-330}
RELEASES=${RELEASES:-"4.51.0 5.24.0"}
mkdir -p "$OUT/r"
install() { python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$@"; }
install /tmp/site-core .whl/core/*.whl || exit 3
for v in $RELEASES; do install "/tmp/site-$v" ".whl/$v"/*.whl || exit 3; done
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
on() { echo "$PWD:/tmp/site-core:/tmp/site-$1"; }
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; nproc; python3 -V
  PYTHONPATH=$(on 5.24.0) python3 -c 'import torch, transformers; print(torch.__version__, transformers.__version__)'
} > "$OUT/r/machine.txt" 2>&1
started=$(date +%s)

( PYTHONPATH=$(on 5.24.0) timeout $((LIMIT * 55 / 100)) python3 benchmarks/gpu_check.py --budget $((LIMIT * 40 / 100)) \
      --save-reference /tmp/gpu-reference --out "$OUT/r/gpu_check-5.24.0.json" > "$OUT/r/gpu_check-5.24.0.log" 2>&1
  PYTHONPATH=$(on 4.51.0) timeout $((LIMIT * 40 / 100)) python3 benchmarks/gpu_check.py --budget $((LIMIT * 30 / 100)) \
      --reference /tmp/gpu-reference --mask-lengths --out "$OUT/r/gpu_check-4.51.0.json" > "$OUT/r/gpu_check-4.51.0.log" 2>&1
) &
for v in $RELEASES; do
  for models in llama4_text,llama4 llama,mixtral,torch_flex gemma2,gemma3,qwen2,mistral,gpt_oss; do
    PYTHONPATH=$(on "$v") timeout "$LIMIT" python3 -m attnlint probe --verify-rules --device cuda --timeout 90 \
        --models "$models" --output-format json > "$OUT/r/verify-$v-${models%%,*}.json" 2> "$OUT/r/verify-$v-${models%%,*}.log" &
  done
  for models in llama4_text llama4 llama gemma2,gemma3 qwen2,mistral gpt_oss; do
    PYTHONPATH=$(on "$v") timeout "$LIMIT" python3 -m attnlint probe --device cuda --models "$models" --timeout 90 \
        --output-format json > "$OUT/r/probe-$v-${models/,/-}.json" 2> "$OUT/r/probe-$v-${models/,/-}.log" &
  done
done
wait
echo "all jobs done in $(( $(date +%s) - started )) s" >> "$OUT/r/machine.txt"
tar czf "$OUT/results.tgz" -C "$OUT" r && mv "$OUT/r" /tmp/attnlint-gpu-r  # one file back: the device runner returns 8 at most
grep -h '^gpu_check' /tmp/attnlint-gpu-r/gpu_check-*.log
cat /tmp/attnlint-gpu-r/machine.txt
