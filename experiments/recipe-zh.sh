#!/usr/bin/env bash
# The Chinese recipe of docs/results.md (variant `pt3` of UD Chinese): text → WordPiece vocabulary →
# MLM pretraining of a 3-layer encoder → the 3-layer labeler fine-tuned from it. Steps already done
# are skipped (an interrupted pretraining resumes).
#   bash experiments/recipe-zh.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-1}
offramp() { node dist/src/cli/main.js "$@"; }
mkdir -p runs/zh
[ -f text/zh.txt ] || bash scripts/fetch-text.sh
npx tsc -p .
text=(text/train-sets-zh.txt text/zh.txt)
export OFFRAMP_CPU_THREADS=1

# 1. vocabulary: asked for 8,000 pieces; every character of the text is kept, so it has 11,020
[ -f runs/zh/vocab8k.txt ] || offramp vocab --out runs/zh/vocab8k.txt --size 8000 --case cased --text "${text[0]}" --text "${text[1]}"

# 2. MLM pretraining: 2,000 steps of 1,024 pieces (half an epoch of the 4.3M pieces; 27 min)
resume=(); [ -f runs/zh/bert3/trainer_state.json ] && resume=(--resume) # (a complete run: nothing to do)
offramp pretrain --vocab runs/zh/vocab8k.txt --case cased --layers 3 --hidden 128 --heads 2 \
  --steps 2000 --lr 1e-3 --batch-pieces 1024 --seq-len 128 --eval-every 500 --save-every 250 --out runs/zh/bert3 "${resume[@]}" "${text[@]}"

# 3. word segmentation on UD Chinese 1.4 with the 3-layer encoder (3 min)
node dist/experiments/reproduce.js udzh --init runs/zh/bert3 --tag pt3 --seed "$seed" --lr 1e-3 --batch-pieces 256 --epochs 5 --parts static --static 3
node dist/experiments/report.js
