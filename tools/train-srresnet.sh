#!/usr/bin/env bash
# Trains the project's SRResNet (or a narrower/shallower variant) on CPU and writes its weights
# as the .npy files `sparsetile --weights DIR` reads (docs/training.md).
#
#   bash tools/train-srresnet.sh --out weights/srresnet [--blocks 16 --channels 64] [--minutes 45] [--seed 0]
#
# PyTorch, scikit-image and numpy are tool-only dependencies: installed here into .venv-tools/
# (never needed by the sparsetile commands).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv-tools"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import torch, skimage, numpy" 2>/dev/null; then
    echo "train-srresnet: installing torch, scikit-image and numpy into $venv (tool-only)" >&2
    "$venv/bin/pip" install --quiet torch scikit-image numpy
fi
exec "$venv/bin/python" "$here/tools/train_srresnet.py" "$@"
