// Browser build of platform/files.ts: there is no file system to read.
function noFiles(path: string): never {
  throw new Error(`${path}: files cannot be read by path in a browser; fetch the contents and pass them instead`);
}

export function readTextFileSync(path: string): string {
  return noFiles(path);
}

export function readBytesSync(path: string): Uint8Array {
  return noFiles(path);
}
