// safetensors files: read and write (the format itself is safetensors-format.ts, reading tensor by
// tensor safetensors-reader.ts).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { parseSafetensors, serializeSafetensors, type Safetensors, type TensorToWrite } from './safetensors-format.js';
import { SafetensorsReader, type ByteSource } from './safetensors-reader.js';

export * from './safetensors-format.js';
export { SafetensorsReader, bytesSource, type ByteSource } from './safetensors-reader.js';

/** Reads the whole file and decodes every tensor (small files; model weights are read tensor by tensor through withSafetensorsFile). */
export async function readSafetensors(path: string): Promise<Safetensors> {
  return parseSafetensors(await readFile(path), path);
}

/** A ByteSource over an open file descriptor. */
function fileSource(fd: number, path: string): ByteSource {
  return {
    byteLength: fstatSync(fd).size,
    read(into, position) {
      for (let done = 0; done < into.length;) {
        const n = readSync(fd, into, done, into.length - done, position + done);
        if (n === 0) throw new Error(`${path}: ends at byte ${position + done}, expected at least ${position + into.length} (was it changed while being read?)`);
        done += n;
      }
    },
  };
}

/** Opens `path`, runs `use` on a ByteSource over it and closes it: bytes are read where they are needed, the file is never held whole. */
export function withFileSource<T>(path: string, use: (src: ByteSource) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`, { cause: err });
  }
  try {
    return use(fileSource(fd, path));
  } finally {
    closeSync(fd);
  }
}

/** Opens `path` as a SafetensorsReader for `use` (which must finish its reads before it returns). */
export function withSafetensorsFile<T>(path: string, use: (reader: SafetensorsReader) => T): T {
  return withFileSource(path, (src) => use(new SafetensorsReader(src, path)));
}

/** Writes atomically (see atomic.ts). */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, TensorToWrite>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, path, metadata));
}
