// The model-shape flags that train and pretrain share: --preset, or a custom --layers --hidden
// --heads [--ffn].
import { preset, type BertConfig, type PresetName } from '../nn/bert.js';
import { num, oneOf, UsageError, type Values } from './common.js';

/** The flags of a custom shape; --preset excludes them. */
export const shapeFlags = ['layers', 'hidden', 'heads', 'ffn'] as const;

export const shapeFlagOptions = {
  preset: { type: 'string' }, layers: { type: 'string' }, hidden: { type: 'string' }, heads: { type: 'string' }, ffn: { type: 'string' },
} as const;

export const shapeFlagHelp = `  --preset P            tiny (L=12, H=128) | small (L=12, H=256) | base (L=12, H=768)  (default tiny)
  --layers N --hidden H --heads A [--ffn F]   a custom shape instead of a preset (F defaults to 4H)`;

/**
 * Checks the shape flags now (usage errors before any work) and returns the config for a
 * vocabulary size, which is known only once the tokenizer is read or built.
 */
export function shapeFromFlags(v: Values): (vocabSize: number) => BertConfig {
  const given = shapeFlags.filter((k) => v[k] !== undefined);
  if (v.preset !== undefined && given.length > 0) throw new UsageError(`--preset cannot be combined with --${given[0]}`);
  const presetName = oneOf<PresetName>(v, 'preset', ['tiny', 'small', 'base'], 'tiny');
  if (given.length === 0) return (vocabSize) => preset(presetName, vocabSize);
  const layers = num(v, 'layers', 12, { int: true, min: 1 });
  const hidden = num(v, 'hidden', 128, { int: true, min: 1 });
  const heads = num(v, 'heads', 2, { int: true, min: 1 });
  const ffn = num(v, 'ffn', undefined, { int: true, min: 1 }) ?? 4 * hidden;
  if (hidden % heads !== 0) throw new UsageError(`--hidden ${hidden} is not divisible by --heads ${heads}`);
  return (vocabSize) => ({ ...preset('tiny', vocabSize), layers, hidden, heads, ffn });
}
