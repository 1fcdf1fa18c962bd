/**
 * Runs the ttp worker in this process, outside any fleet, the way the child
 * entry would: `node --import tsx test/helpers/run-ttp.ts [--batch N] [--lease S]` with
 * DECNET_DB_URL set; `--once` always. Prints its debug lines as `debug: ...`
 * (`debug: tick: ...` once each tick is committed: an event a test can wait for).
 */
import {format, parseArgs} from 'node:util'

import {parseDatabaseUrl} from '../../src/db/url.js'
import type {JsonObject} from '../../src/fleets/types.js'
// from dist/: the worker loads its rules in a process that runs rules-child.js next to its module, which src/ does not have
import ttp from '../../dist/workers/ttp/worker.js'

const {values} = parseArgs({options: {batch: {type: 'string'}, lease: {type: 'string'}}})
const options: JsonObject = {}
if (values.batch) options.batchSize = Number(values.batch)
if (values.lease) options.leaseSeconds = Number(values.lease)
const url = process.env.DECNET_DB_URL
if (!url) throw new Error('run-ttp: set DECNET_DB_URL')

await ttp({
  database: parseDatabaseUrl(url),
  debug: (formatter: unknown, ...args: unknown[]) => console.log(`debug: ${format(formatter, ...args)}`),
  fleet: 'test',
  name: 'ttp',
  once: true,
  options,
  ready: () => console.log('ready'),
  signal: new AbortController().signal,
})
console.log('done')
