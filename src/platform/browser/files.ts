// Browser build of platform/files.ts: there is no file system to read or write.
function noFiles(path: string): never {
  throw new Error(`${path}: files cannot be read or written by path in a browser; fetch the contents and pass them instead`);
}

export function readTextFileSync(path: string): string {
  return noFiles(path);
}

export function readBytesSync(path: string): Uint8Array {
  return noFiles(path);
}

export function writeTextFileSync(path: string, _text: string): void {
  noFiles(path);
}
