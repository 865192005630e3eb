// Fetching what `offramp serve` serves: the list of checkpoints and a checkpoint's four files, built
// into a model by the library's checkpointFromContents (as loadCheckpoint does from disk in Node).
import { checkpointFromContents, type Checkpoint } from '../src/io/checkpoint-format.js';

export async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

/** The names of the served checkpoints. */
export async function servedModels(): Promise<string[]> {
  return (await (await fetchOk('/models.json')).json()) as string[];
}

export async function loadServedCheckpoint(name: string): Promise<Checkpoint> {
  const base = `/models/${encodeURIComponent(name)}/`;
  const text = async (f: string) => (await fetchOk(base + f)).text();
  const [configText, vocabText, labelsText, weights] = await Promise.all([
    text('config.json'), text('vocab.txt'), text('labels.txt'),
    fetchOk(`${base}model.safetensors`).then(async (r) => new Uint8Array(await r.arrayBuffer())),
  ]);
  return checkpointFromContents({ configText, vocabText, labelsText, weights }, base);
}
