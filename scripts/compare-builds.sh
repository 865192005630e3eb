#!/bin/bash
# Side-by-side speed of two built trees (e.g. main and a branch, each after `npx tsc -p .`), runs
# interleaved so both see the same machine load: CPU training step and encoder forward (1 thread)
# and the gpu.js encoder forward. Prints every run's JSON line, then the medians per tree.
#   scripts/compare-builds.sh OLD_TREE NEW_TREE [ROUNDS]
set -euo pipefail
old=$1 new=$2 rounds=${3:-5}
out=$(mktemp)
for _ in $(seq "$rounds"); do
  for tree in "$old" "$new"; do
    echo "$tree cpu-train $(cd "$tree" && OFFRAMP_BACKEND=cpu OFFRAMP_CPU_THREADS=1 node dist/bench/model-child.js train 10)"
    echo "$tree cpu-encoder $(cd "$tree" && OFFRAMP_BACKEND=cpu OFFRAMP_CPU_THREADS=1 node dist/bench/model-child.js encoder 20)"
    echo "$tree gpujs-encoder $(cd "$tree" && OFFRAMP_BACKEND=gpujs node dist/bench/model-child.js encoder 5)"
  done
done | tee "$out"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => {
  const [tree, work, ...json] = l.split(" ");
  return { tree, work, ms: JSON.parse(json.join(" ")).ms };
});
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
for (const work of [...new Set(rows.map((r) => r.work))]) {
  const m = (tree) => median(rows.filter((r) => r.work === work && r.tree === tree).flatMap((r) => r.ms));
  const [a, b] = [m(process.argv[2]), m(process.argv[3])];
  console.log(`${work}: old ${a.toFixed(1)} ms, new ${b.toFixed(1)} ms, new/old ${(b / a).toFixed(3)}`);
}' "$out" "$old" "$new"
