// Environment variables where there are any: Node's process.env; a browser has none (undefined).
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;

export function envVar(name: string): string | undefined {
  return env?.[name];
}
