#!/usr/bin/env node
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
// The command is done. Exit now, so that nothing a plugin left running (a
// `decnet:fleets` hook that timed out still holds its timers and sockets)
// can keep a finished command alive. Failures never get here: oclif exits.
process.exit()
