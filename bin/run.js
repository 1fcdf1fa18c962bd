#!/usr/bin/env node
import {fileURLToPath} from 'node:url'

import {decnetDataDir, pluginListRefusal} from '../dist/cli/plugin-list-trust.js'

// As root, refuse the plugin list (and so every plugin's code) when another
// user can change it. This must happen before oclif's Config.load, which loads
// the plugins: oclif's `userPlugins: false` skips them, and the built-in
// commands and fleets still work.
const refusal = pluginListRefusal(decnetDataDir())
if (refusal) process.stderr.write(` ›   Warning: ${refusal.message}\n`)

// `decnet fleet NAME ...` starts lean: without oclif, whose config, parser and
// plugin loading the fleet master would carry for as long as the fleet runs
// (src/cli/lean-fleet.ts). It leaves anything unusual (help, flags it cannot
// read exactly as oclif would, plugins with other hooks...) to oclif, untouched.
const argv = process.argv.slice(2)
let done = false
if (argv[0] === 'fleet' && argv.length > 1 && !argv[1].startsWith('-')) {
  const {runLeanFleet} = await import('../dist/cli/lean-fleet.js')
  done = await runLeanFleet({argv: argv.slice(1), userPlugins: refusal === undefined})
}

if (!done) {
  // By subpath: @oclif/core's index also loads semver (47 modules) only to check
  // node's version (docs/benchmarks.md).
  const [{execute}, {settings}] = await Promise.all([import('@oclif/core/execute'), import('@oclif/core/settings')])
  // decnet and its plugins ship compiled JavaScript: never look for TypeScript
  // sources (oclif would otherwise warn on every command that a linked plain-JS
  // ESM plugin "cannot be auto-transpiled"). bin/dev.js is the way to run sources.
  settings.enableAutoTranspile = false
  await execute({loadOptions: {root: fileURLToPath(import.meta.url), userPlugins: refusal === undefined}})
}

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
