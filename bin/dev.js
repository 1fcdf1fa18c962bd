#!/usr/bin/env -S node --import tsx --no-warnings=ExperimentalWarning
// Runs the commands straight from src/ (through tsx) without a build.
// The supervisor's children still run the compiled worker modules in dist/.
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
// See bin/run.js: a timed-out plugin hook must not keep a finished command alive.
process.exit()
