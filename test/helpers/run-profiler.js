/**
 * Runs the profiler worker in this process, outside any fleet, the way the
 * child entry would: `node test/helpers/run-profiler.js [--once] [--batch N] [--interval S]`
 * with DECNET_DB_URL set (given to the worker as its context's database, parsed, as the fleet does). Prints `ready` once the worker is ready and stops
 * on SIGTERM/SIGINT (through the worker's AbortSignal).
 */
import {parseArgs} from 'node:util'

import {parseDatabaseUrl} from '../../dist/db/url.js'
import profiler from '../../dist/workers/profiler/worker.js'

const {values} = parseArgs({
  options: {batch: {type: 'string'}, interval: {type: 'string'}, once: {type: 'boolean', default: false}},
})
const controller = new AbortController()
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => controller.abort())

const options = {interval: Number(values.interval ?? 60)}
if (values.batch) options.batchSize = Number(values.batch)

await profiler({
  database: parseDatabaseUrl(process.env.DECNET_DB_URL),
  debug: () => {},
  fleet: 'test',
  name: 'profiler',
  once: values.once,
  options,
  ready: () => console.log('ready'),
  signal: controller.signal,
})
console.log('done')
