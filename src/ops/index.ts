// The op library. Every differentiable op is listed in `gradOps`; the gradient-coverage test
// enumerates it and fails if any op lacks a finite-difference check.
import { attentionGradOps } from './attention.js';
import { broadcastGradOps } from './broadcast.js';
import { crossEntropyGradOps } from './crossentropy.js';
import { dropoutGradOps } from './dropout.js';
import { elementwiseGradOps } from './elementwise.js';
import { gatherGradOps } from './gather.js';
import { layerNormGradOps } from './layernorm.js';
import { matmulGradOps } from './matmul.js';
import { movementGradOps } from './movement.js';
import { reduceGradOps } from './reduce.js';
import { softmaxGradOps } from './softmax.js';

export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './broadcast.js';
export * from './matmul.js';
export * from './gather.js';
export * from './softmax.js';
export * from './layernorm.js';
export * from './dropout.js';
export * from './crossentropy.js';
export * from './attention.js';

export const gradOps = [
  ...elementwiseGradOps, ...reduceGradOps, ...movementGradOps, ...broadcastGradOps, ...matmulGradOps, ...gatherGradOps,
  ...softmaxGradOps, ...layerNormGradOps, ...dropoutGradOps, ...crossEntropyGradOps, ...attentionGradOps,
] as const;
export type GradOp = (typeof gradOps)[number];
