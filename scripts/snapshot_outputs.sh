#!/usr/bin/env bash
# Writes what a vitscope binary prints for the whole zoo into a folder, so two builds can be
# compared with `diff -r`: analyze (every format, with layers), compare, formula, sweep, list,
# verify (wall-clock seconds blanked) and the vit-pytorch examples. A refactoring that must not
# change any figure leaves the two folders identical.
#
# usage: scripts/snapshot_outputs.sh VITSCOPE_BINARY OUT_DIR
set -uo pipefail
bin=$1 out=$2
mkdir -p "$out"
models=$("$bin" list | awk 'NR > 2 && NF { print $1 }')
models="$models $(ls specs/vit_pytorch/*.json)"
"$bin" list > "$out/list.txt"
"$bin" list --format markdown > "$out/list.md"
for m in $models; do
    for f in table markdown json; do "$bin" analyze "$m" --layers --format "$f" > "$out/analyze-${m//\//_}.$f" 2>&1; done
    "$bin" analyze "$m" --image-size 288x320 --batch 3 --format json > "$out/analyze-${m//\//_}-288x320.json" 2>&1
    "$bin" formula "$m" > "$out/formula-${m//\//_}.txt" 2>&1
    "$bin" sweep "$m" --image-sizes 96:512:32 --batch 2 --format csv > "$out/sweep-${m//\//_}.csv" 2>&1
done
"$bin" compare $models --format markdown > "$out/compare.md" 2>&1
"$bin" compare vit_small_patch16_224 pit_s_224 resnet50 > "$out/compare.txt" 2>&1
# verify: the seconds column and field vary from run to run.
"$bin" verify --all --format json 2>&1 | sed -E 's/"seconds": [0-9.e-]+/"seconds": _/' > "$out/verify-all.json"
"$bin" verify --all --threads 1 2>&1 | sed -E 's/ +[0-9]+\.[0-9]+$//' > "$out/verify-all.txt"
echo "wrote $(ls "$out" | wc -l) files to $out"
