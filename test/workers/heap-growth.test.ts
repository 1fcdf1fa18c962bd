// limitHeapGrowth: V8 collects the old generation sooner, in a process of its own (the flag is process-wide).
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {describe, it} from 'node:test'

import {limitHeapGrowth} from '../../src/workers/heap-growth.js'

const MODULE = fileURLToPath(new URL('../../src/workers/heap-growth.ts', import.meta.url))

/**
 * In a child: with the old generation's growth limited to `percent` (none: V8's own), keeps ~20 MB
 * alive while ~150 MB of batches outlive the young generation and die old, as a profiler's ticks do;
 * how many full collections that took.
 */
async function fullCollections(percent?: number): Promise<number> {
  const script = `
    import {constants, PerformanceObserver} from 'node:perf_hooks'
    const {limitHeapGrowth} = await import(${JSON.stringify(MODULE)})
    ${percent === undefined ? '' : `if (!limitHeapGrowth(${percent})) throw new Error('not set')`}
    let major = 0
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++ }).observe({entryTypes: ['gc']})
    const live = Array.from({length: 200}, (_, i) => 'x'.repeat(100_000) + i)
    let batch = []
    for (let i = 0; i < 60_000; i++) {
      batch.push({id: i, text: 'y'.repeat(100) + i, values: Array.from({length: 50}, (_, j) => ({j}))})
      if (batch.length === 20_000) batch = []
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    process.stdout.write(String(major + live.length * 0))
  `
  const {stdout} = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script])
  return Number(stdout)
}

describe('limitHeapGrowth', () => {
  it('makes V8 collect the old generation more often than it would', async () => {
    const [own, limited] = await Promise.all([fullCollections(), fullCollections(10)])
    assert.ok(limited > own, `full collections: ${limited} with 10% growth, ${own} with V8's own`)
  })

  it('takes a positive whole percentage only', () => {
    for (const bad of [0, -5, 1.5, Number.NaN]) assert.throws(() => limitHeapGrowth(bad), /Expected `percent` to be a positive integer/)
  })
})
