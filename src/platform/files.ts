// Reading and writing a file synchronously (Node). The browser build swaps in browser/files.ts, which has
// no file system: pages fetch what they need and pass the contents.
import { readFileSync, writeFileSync } from 'node:fs';

export function readTextFileSync(path: string): string {
  return readFileSync(path, 'utf8');
}

export function readBytesSync(path: string): Uint8Array {
  return readFileSync(path);
}

export function writeTextFileSync(path: string, text: string): void {
  writeFileSync(path, text);
}
