#!/usr/bin/env node
// offramp command line. The labeler commands arrive with the labeler.
const cmd = process.argv[2];
if (cmd === 'demo' || cmd === undefined) {
  console.log('offramp: the tensor core is in place; the early-exit demo arrives with the labeler.');
} else {
  console.error(`offramp: unknown command '${cmd}'`);
  process.exit(2);
}
