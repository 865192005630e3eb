#!/usr/bin/env bash
# Builds text/ (pretraining text, docs/pretraining-text.md) from pinned npm and Debian packages
# and the training splits in ../shared/data. Needs npm, apt-get (after `apt-get update`),
# dpkg-deb and tar; run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p .
node dist/experiments/pretrain-text.js --out text "$@"
