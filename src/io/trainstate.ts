// What a checkpoint needs besides the weights so that an interrupted run continues exactly where it
// stopped (written into a RunDir staging directory next to the model files):
//   trainstate.json        completed epochs, step, total steps, rng state words, the run's settings,
//                          the trainer's bookkeeping, and which file holds the last epoch's weights
//   optimizer.safetensors  AdamW moments as "m.<parameter>" / "v.<parameter>", metadata {step}
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdamW, AdamWMoments } from '../optim/adamw.js';
import { readSafetensors, writeSafetensors, type TensorToWrite } from './safetensors.js';

export const trainStateFile = 'trainstate.json';
export const optimizerFile = 'optimizer.safetensors';
const format = 'offramp-trainstate';

export interface TrainState {
  /** epochs completed */
  epochs: number;
  /** optimizer steps done (the schedule's position) */
  step: number;
  totalSteps: number;
  /** Rng.state() after the last completed epoch */
  rng: number[];
  /** the options the run depends on; a resume with other values is refused (see checkSettings) */
  settings: Record<string, unknown>;
  /** the trainer's own bookkeeping (history, best epoch, …) */
  progress: Record<string, unknown>;
  /** the file of the checkpoint holding the weights after the last completed epoch */
  weights: string;
}

export async function writeTrainState(dir: string, state: TrainState, optimizer: AdamW): Promise<void> {
  const { step, moments } = await optimizer.exportState();
  if (step !== state.step) throw new Error(`writeTrainState: the optimizer made ${step} steps, the state says ${state.step}`);
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, mv] of moments) {
    tensors.set(`m.${name}`, { shape: mv.shape, data: mv.m });
    tensors.set(`v.${name}`, { shape: mv.shape, data: mv.v });
  }
  await writeSafetensors(join(dir, optimizerFile), tensors, { format, step: String(step) });
  await writeFile(join(dir, trainStateFile), `${JSON.stringify({ format, ...state }, null, 2)}\n`);
}

/** Whether `dir` (a checkpoint directory) has a training state to resume from. */
export function hasTrainState(dir: string): boolean {
  return existsSync(join(dir, trainStateFile));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function readTrainState(dir: string): Promise<{ state: TrainState; moments: Map<string, AdamWMoments> }> {
  const path = join(dir, trainStateFile);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read (${(err as Error).message})`, { cause: err });
  }
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isObject(json) || json.format !== format) throw new Error(`${path}: not an offramp training state`);
  const { epochs, step, totalSteps, rng, settings, progress, weights } = json;
  if (!count(epochs) || !count(step) || !count(totalSteps) || !Array.isArray(rng) || !isObject(settings) || !isObject(progress) || typeof weights !== 'string' || /[/\\]/.test(weights)) {
    throw new Error(`${path}: malformed training state`);
  }
  const st = await readSafetensors(join(dir, optimizerFile));
  if (st.metadata.step !== String(step)) throw new Error(`${join(dir, optimizerFile)}: step ${st.metadata.step}, but ${trainStateFile} says ${step as number}`);
  const moments = new Map<string, AdamWMoments>();
  for (const [key, t] of st.tensors) {
    if (!key.startsWith('m.')) continue;
    const name = key.slice(2);
    const v = st.tensors.get(`v.${name}`);
    if (!v || !(t.data instanceof Float32Array) || !(v.data instanceof Float32Array)) throw new Error(`${join(dir, optimizerFile)}: moments of '${name}' are incomplete`);
    moments.set(name, { shape: t.shape, m: t.data, v: v.data });
  }
  return { state: { epochs, step, totalSteps, rng, settings, progress, weights } as TrainState, moments };
}

/** Throws an Error naming the first setting whose value differs from the one the run was started with. */
export function checkSettings(saved: Record<string, unknown>, wanted: Record<string, unknown>, dir: string): void {
  for (const key of new Set([...Object.keys(saved), ...Object.keys(wanted)])) {
    const a = JSON.stringify(saved[key] ?? null);
    const b = JSON.stringify(wanted[key] ?? null);
    if (a !== b) throw new Error(`${dir}: the run was started with ${key} ${a}, this command asks for ${b}; --resume needs the same settings (or use --force to start over)`);
  }
}
