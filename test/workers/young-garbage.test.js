// YoungGarbage: a scavenge on demand, and the worker loop runs one between passes.
import assert from 'node:assert/strict'
import {constants, PerformanceObserver} from 'node:perf_hooks'
import {describe, it} from 'node:test'

import {parseDatabaseUrl} from '../../dist/db/url.js'
import profiler from '../../dist/workers/profiler/worker.js'
import {YoungGarbage} from '../../dist/workers/young-garbage.js'
import {migratedDatabase, useDatabaseUrl} from '../helpers/databases.js'
import {until} from '../helpers/scale.js'

/** Counts this process's minor (young generation) collections while it runs. */
function minorCollections(t) {
  const seen = {count: 0}
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) seen.count++
  })
  observer.observe({entryTypes: ['gc']})
  t.after(() => observer.disconnect())
  return seen
}

describe('YoungGarbage', () => {
  it('runs a minor collection now', async (t) => {
    const seen = minorCollections(t)
    assert.equal(new YoungGarbage().collect(), true)
    await until(() => seen.count > 0, {what: 'the minor collection to be reported'})
    assert.equal(typeof globalThis.gc, 'undefined', 'the collector stays out of this context')
  })

  it('is what the worker loop does between passes', async (t) => {
    const {url} = await migratedDatabase('sqlite', t)
    useDatabaseUrl(t, url)
    const seen = minorCollections(t)
    const controller = new AbortController()
    let passes = 0
    const ctx = {
      database: parseDatabaseUrl(url),
      debug: (format) => void (format.startsWith('tick:') && passes++),
      fleet: 'heavy',
      name: 'profiler',
      once: false,
      options: {interval: 0.01},
      ready() {},
      signal: controller.signal,
    }
    const running = profiler(ctx)
    // empty passes allocate next to nothing: without the loop's collection there would be none
    await until(() => passes >= 6, {what: 'six passes'})
    controller.abort()
    await running
    assert.ok(seen.count >= passes - 2, `${seen.count} minor collections in ${passes} passes`)
  })
})
