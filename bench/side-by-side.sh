#!/usr/bin/env bash
# offramp beside its peers (docs/performance.md, "Side by side"): the peers' own interleaved run
# (../shared/peers/side-by-side.sh: offramp's encoder layer H=256 and training step, PyTorch on 1 and 2
# threads, jax-js and tfjs on wasm, ONNX Runtime), then the encoder layer at BERT-base size (H=768, 12
# heads, B=8, S=64) for offramp and PyTorch (the same torch.nn.TransformerEncoderLayer as bench-torch.py),
# interleaved, then a table of medians and ratios (bench/side-by-side-table.js). The peers stay outside
# the project: copy the folder, `npm install` there, `apt-get install python3-torch libopenblas0-pthread`.
# The JS peers wait up to 45 s for a quiet machine before each workload (lib/harness.mjs); beside
# background jobs it never comes, so ANCHORS_NO_WAIT=1 (the harness's switch) measures at once, as the
# offramp and PyTorch rows always do.
# usage: ANCHORS_NO_WAIT=1 bash bench/side-by-side.sh PEERS_COPY [rounds=2] [out.jsonl]   (from a built checkout)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=$(cd "$1" && pwd); rounds=${2:-2}; out=$(realpath -m "${3:-$peers/side-by-side.jsonl}")
: > "$out"
bash "$peers/side-by-side.sh" "$root" "$rounds" "$out"
py=$(command -v /usr/bin/python3 || command -v python3)
torch768='
import json, statistics, sys, time, torch
torch.set_num_threads(int(sys.argv[1])); torch.manual_seed(0)
layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, activation="gelu", batch_first=True).eval()
x = torch.randn(8, 64, 768)
ms = []
with torch.no_grad():
    for i in range(9):
        t = time.perf_counter(); layer(x); ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({"engine": "torch-" + torch.__version__, "threads": torch.get_num_threads(), "workload": "encoder_fwd_H768_B8_S64", "medianMs": statistics.median(ms[2:])}))'
for r in $(seq "$rounds"); do
  echo "H=768 round $r (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  (cd "$root" && OFFRAMP_BACKEND=cpu node dist/bench/model-child.js encoder768 7 2>/dev/null | tail -1) \
    | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);const m=[...j.ms].sort((a,b)=>a-b)[j.ms.length>>1];console.log(JSON.stringify({engine:'offramp',workload:'encoder768',medianMs:m,round:$r}))})" | tee -a "$out"
  $py -c 'import torch' 2>/dev/null && for t in 1 2; do $py -c "$torch768" $t | tee -a "$out"; done
done
node "$root/dist/bench/side-by-side-table.js" "$out"
