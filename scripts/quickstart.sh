#!/usr/bin/env bash
# The README's main job on the embedded default: fetch CIFAR-10, then re-engineer
# the shared pretrained ResNet-20 for "cat vs the rest" as a durable Temporal run
# (local dev server + in-process workers + filesystem artifact store), and print
# the report. A short budget (a subset of the data, a few epochs) so it finishes
# in minutes on a 2-core CPU; the full settings are in the README.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

model="${SEAMFLOW_QUICKSTART_MODEL:-$root/../shared/models/resnet20-cifar10}"
out="${SEAMFLOW_QUICKSTART_OUT:-$root/.seamflow/runs/quickstart}"
[[ -f "$model/model.json" ]] || { echo "quickstart: no model at $model (set SEAMFLOW_QUICKSTART_MODEL to a TF.js CIFAR-10 model folder)" >&2; exit 1; }

bash scripts/install-tools.sh
spec="$(node bin/seamflow.mjs data fetch cifar10)"
node bin/seamflow.mjs reengineer \
  --model "$model" --data "$spec" --target 3 \
  --epochs "${SEAMFLOW_QUICKSTART_EPOCHS:-3}" --limit "${SEAMFLOW_QUICKSTART_LIMIT:-5000}" \
  --out "$out"
echo
echo "report: $out/report.json; re-engineered model: $out/masked (same architecture) and $out/compact (smaller)"
