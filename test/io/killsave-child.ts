// The child of the kill test (killsave.test.ts): a real `runTraining` on a tiny model that saves
// a checkpoint with training state every epoch (many per second) into the run directory given as
// `--child DIR`, resuming whatever DIR holds, until it is killed. Does nothing without --child
// (node --test also runs this file as a test).
import { LabelSet, makeSyntheticTask, WordPiece, buildVocab } from '../../src/data/index.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';
import { RunDir } from '../../src/io/rundir.js';
import { loadResume, runTraining } from '../../src/cli/trainer.js';

/** The run's settings; also what the parent checks a loaded checkpoint against. */
export const killSettings = { seed: 5, epochs: 1_000_000, batchPieces: 64, lr: 1e-3 };

export function killTask() {
  const task = makeSyntheticTask(killSettings.seed, { train: 3, dev: 0, test: 0 });
  const tokenizer = new WordPiece(buildVocab(task.train, { maxWords: 100, lowercase: true }), { lowercase: true }, 'kill-test vocabulary');
  return { train: task.train, tokenizer, labels: LabelSet.fromSentences(task.train) };
}

async function child(dir: string): Promise<void> {
  const run = RunDir.open(dir, 'resume');
  const { train, tokenizer, labels } = killTask();
  const resumed = await loadResume(run, killSettings);
  const model = resumed?.checkpoint.model ?? new EarlyExitModel({
    bert: { vocabSize: tokenizer.size, hidden: 4, layers: 2, heads: 1, ffn: 4, maxPositions: 32, typeVocabSize: 2, dropout: 0, layerNormEps: 1e-12 },
    numLabels: labels.size,
    offRampDropout: 0,
  }, killSettings.seed);
  process.stdout.write(`ready ${resumed?.state.epochs ?? 0}\n`);
  await runTraining({
    model, tokenizer, labels, train, dev: null, metric: 'accuracy', batchPieces: killSettings.batchPieces, run, settings: killSettings, resume: resumed,
    options: { epochs: killSettings.epochs, lr: killSettings.lr, warmup: 0, seed: killSettings.seed },
    info: { trainedBy: 'kill test' }, quiet: true, log: () => {},
  });
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1]!);
