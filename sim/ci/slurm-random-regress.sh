#!/usr/bin/env bash
# The random co-simulation regression as a Slurm array: one shard per task, then a merge
# (docs/cosim.md, "Random regression"). Submit from the repository root:
#
#   sbatch --array=1-16 sim/ci/slurm-random-regress.sh            # 16 shards of 10 000 cases, seed 1
#   COUNT=50000 SEED=7 sbatch --array=1-64 sim/ci/slurm-random-regress.sh
#
# Each task writes out/random-regress/junit-<task>.xml and its log; the task that finishes last
# merges every shard's file into out/random-regress/junit-all.xml (exit 1 if a case failed). Or
# merge by hand: sparsetile regress --merge-junit out/random-regress/junit-*.xml --junit all.xml
#
#SBATCH --job-name=sparsetile-random
#SBATCH --cpus-per-task=4
#SBATCH --time=04:00:00
#SBATCH --output=out/random-regress/slurm-%A_%a.log
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/../..}"
COUNT="${COUNT:-10000}"
SEED="${SEED:-1}"
SHARDS="${SLURM_ARRAY_TASK_COUNT:?submit as an array: sbatch --array=1-N}"
TASK="${SLURM_ARRAY_TASK_ID:?submit as an array: sbatch --array=1-N}"
OUT=out/random-regress
mkdir -p "$OUT"
BIN=.build/release/sparsetile
# One build per node is enough; tasks on one file system share it (SwiftPM locks its build folder).
[ -x "$BIN" ] || { bash sim/install-deps.sh && swift build -c release --product sparsetile; }
# Verilator builds are cached per configuration; a per-node cache avoids tasks racing on a shared one.
export SPARSETILE_VERILATOR_CACHE="${SPARSETILE_VERILATOR_CACHE:-${TMPDIR:-/tmp}/sparsetile-verilator-$USER}"
status=0
"$BIN" regress --suite random --count "$COUNT" --seed "$SEED" --shard "$TASK/$SHARDS" \
    --jobs "${SLURM_CPUS_PER_TASK:-2}" --junit "$OUT/junit-$TASK.xml" || status=$?
# The last task to finish merges (a lock makes the count of finished tasks exact).
(
    flock 9
    echo "$TASK" >> "$OUT/finished"
    if [ "$(sort -u "$OUT/finished" | wc -l)" -eq "$SHARDS" ]; then
        rm -f "$OUT/finished"
        "$BIN" regress --merge-junit "$OUT"/junit-[0-9]*.xml --junit "$OUT/junit-all.xml"
    fi
) 9> "$OUT/.merge.lock" || status=1
exit "$status"
