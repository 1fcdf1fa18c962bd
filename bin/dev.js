#!/usr/bin/env -S node --import tsx --no-warnings=ExperimentalWarning
// Runs the commands straight from src/ (through tsx) without a build.
// The supervisor's children still run the compiled worker modules in dist/.
import {execute} from '@oclif/core'
import {fileURLToPath} from 'node:url'

import {decnetDataDir, pluginListRefusal} from '../src/cli/plugin-list-trust.ts'

// See bin/run.js: as root, never load a plugin list another user can change.
const refusal = pluginListRefusal(decnetDataDir())
if (refusal) process.stderr.write(` ›   Warning: ${refusal.message}\n`)
await execute({development: true, loadOptions: {root: fileURLToPath(import.meta.url), userPlugins: refusal === undefined}})
// See bin/run.js: a timed-out plugin hook must not keep a finished command alive.
process.exit()
