// Reading a file synchronously (Node). The browser build swaps in browser/files.ts, which has no file
// system: pages fetch what they need and pass the contents.
import { readFileSync } from 'node:fs';

export function readTextFileSync(path: string): string {
  return readFileSync(path, 'utf8');
}

export function readBytesSync(path: string): Uint8Array {
  return readFileSync(path);
}
