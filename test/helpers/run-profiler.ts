/**
 * Runs the profiler worker in this process, outside any fleet, the way the
 * child entry would: `node --import tsx test/helpers/run-profiler.ts [--once] [--batch N] [--interval S] [--lease S] [--alerts]`
 * with DECNET_DB_URL set (given to the worker as its context's database, parsed, as the fleet does). Prints `ready` once the worker is ready,
 * its debug lines as `debug: ...` (`debug: tick: N lines, ...` once each tick is committed: an event a test can wait for instead of
 * polling the cursor), and stops on SIGTERM/SIGINT (through the worker's AbortSignal).
 */
import {format, parseArgs} from 'node:util'

import {parseDatabaseUrl} from '../../src/db/url.js'
import type {JsonObject} from '../../src/fleets/types.js'
import profiler from '../../src/workers/profiler/worker.js'

const {values} = parseArgs({
  options: {alerts: {type: 'boolean', default: false}, batch: {type: 'string'}, interval: {type: 'string'}, lease: {type: 'string'}, once: {type: 'boolean', default: false}},
})
const controller = new AbortController()
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => controller.abort())

const options: JsonObject = {interval: Number(values.interval ?? 60)}
if (values.batch) options.batchSize = Number(values.batch)
if (values.lease) options.leaseSeconds = Number(values.lease)
if (values.alerts) options.alerts = {} // queue first sightings, as `--webhook` makes the fleet do

const url = process.env.DECNET_DB_URL
if (!url) throw new Error('run-profiler: set DECNET_DB_URL')

await profiler({
  database: parseDatabaseUrl(url),
  debug: (formatter: unknown, ...args: unknown[]) => console.log(`debug: ${format(formatter, ...args)}`),
  fleet: 'test',
  name: 'profiler',
  once: values.once ?? false,
  options,
  ready: () => console.log('ready'),
  signal: controller.signal,
})
console.log('done')
