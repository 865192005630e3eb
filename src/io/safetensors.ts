// safetensors files: read and write (the format itself is safetensors-format.ts).
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { parseSafetensors, serializeSafetensors, type Safetensors, type TensorToWrite } from './safetensors-format.js';

export * from './safetensors-format.js';

export async function readSafetensors(path: string): Promise<Safetensors> {
  return parseSafetensors(await readFile(path), path);
}

/** Writes atomically (see atomic.ts). */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, TensorToWrite>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, path, metadata));
}
