#!/usr/bin/env node
import {execute, settings} from '@oclif/core'

// decnet and its plugins ship compiled JavaScript: never look for TypeScript
// sources (oclif would otherwise warn on every command that a linked plain-JS
// ESM plugin "cannot be auto-transpiled"). bin/dev.js is the way to run sources.
settings.enableAutoTranspile = false

await execute({dir: import.meta.url})
// Through a pipe, standard output is written asynchronously: wait until what the command printed
// has been handed over, or process.exit() cuts it short (`decnet attackers --json | ...` printed
// 0.4 MB of 32 MB; measured with bench/memory.js).
await new Promise((resolve) => {
  process.stdout.write('', resolve)
})
// The command is done. Exit now, so that nothing a plugin left running (a
// `decnet:fleets` hook that timed out still holds its timers and sockets)
// can keep a finished command alive. Failures never get here: oclif exits.
process.exit()
