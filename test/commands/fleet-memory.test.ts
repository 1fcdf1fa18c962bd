// Memory limits through the real CLI: a fleet definition's `maxMemoryMb` (fleet-wide, and a
// worker's own), and `decnet fleet NAME --max-memory MB`. A leaking worker (fixture plugin
// decnet-plugin-leaky) is restarted; the log and `decnet fleet status` (table and --json) say
// why; its neighbour keeps its process. Runs as root, the workers as nobody.
import assert from 'node:assert/strict'
import {chownSync, mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {isAlive, linkedDataDir, runDecnet, startDecnet, unwrap} from '../helpers/decnet-cli.js'

const asRoot = {skip: process.getuid?.() === 0 ? undefined : 'these tests run as root (the workers drop to nobody)'}
const OVER = /\[decnet\] worker leak \(pid (\d+)\) is over its memory limit: RSS (\d+) MB > 100 MB; stopping it to restart it \(grace 15000 ms\)/

/** A SQLite url in a directory of the data dir that nobody (the workers' user) owns. */
function nobodyDatabase(data: ReturnType<typeof linkedDataDir>): string {
  const [, , uid, gid] = (readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('nobody:')) ?? '').split(':')
  const dir = join(data.dir, 'db')
  mkdirSync(dir)
  chownSync(dir, Number(uid), Number(gid))
  return `sqlite:${join(dir, 'decnet.sqlite')}`
}

describe('decnet fleet: memory limits', asRoot, () => {
  it("restarts a worker over its fleet's limit; the log and fleet status say why; the neighbour keeps its process", async (t) => {
    const data = linkedDataDir(t, ['decnet-plugin-leaky'])
    const fleet = startDecnet(t, ['fleet', 'leaky', '--user', 'nobody', '--db', nobodyDatabase(data)], {env: data.env})
    await fleet.waitFor(/fleet leaky ready \(2 workers\)/)
    const [, pid, rss] = await fleet.waitFor(OVER)
    const stopped = new RegExp(`\\[decnet\\] worker leak \\(pid ${pid}\\) stopped: memory limit: RSS ${rss} MB > 100 MB; restarting in \\d+ ms`)
    await fleet.waitFor(stopped)
    // ready again, as a new process
    await fleet.waitFor(new RegExp(`worker leak ready \\(pid (?!${pid}\\))\\d+\\)`))
    const steadyPid = fleet.workerPids().get('steady')

    const json = await runDecnet(t, ['fleet', 'status', 'leaky', '--json'], {env: data.env})
    assert.equal(json.code, 0, json.stderr)
    const status = JSON.parse(json.stdout) as {workers: Array<{lastExit: {cause: string; reason: string} | null; name: string; pid: number; restarts: number}>}
    const leak = status.workers.find((w) => w.name === 'leak')
    assert.ok(leak, 'the status lists worker leak')
    assert.ok(leak.restarts >= 1, JSON.stringify(leak))
    assert.equal(leak.lastExit?.cause, 'memory-limit', JSON.stringify(leak.lastExit))
    assert.match(String(leak.lastExit?.reason), /^memory limit: RSS \d+ MB > 100 MB$/)
    const steady = status.workers.find((w) => w.name === 'steady')
    assert.deepEqual([steady?.pid, steady?.restarts, steady?.lastExit], [steadyPid, 0, null], 'its own 1000 MiB limit applies, not the fleet one')
    assert.ok(isAlive(steadyPid!))

    const table = await runDecnet(t, ['fleet', 'status', 'leaky'], {env: data.env})
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /^ {2}leak .* code 0 \(memory limit: RSS \d+ MB > 100 MB\) [\d.]+ (ms|s) ago/m)

    fleet.child.kill('SIGTERM')
    const {code} = await fleet.exited
    assert.equal(code, 0, fleet.output())
  })

  it('--max-memory MB sets the limit of every worker; under --once the stopped worker counts as failed', async (t) => {
    const data = linkedDataDir(t, ['decnet-plugin-leaky'])
    const run = await runDecnet(t, ['fleet', 'unlimited', '--allow-root', '--once', '--max-memory', '100'], {env: data.env})
    assert.equal(run.code, 6, run.stdout + run.stderr)
    const output = run.stdout + run.stderr
    assert.match(output, OVER)
    assert.match(output, /\[decnet\] worker leak \(pid \d+\) stopped: memory limit: RSS \d+ MB > 100 MB\n/)
    assert.match(output, /\[decnet\] fleet unlimited stopped: 1 of 1 workers failed: leak \(memory-limit\)/)
  })

  it('refuses a --max-memory that is not a positive whole number of MiB', async (t) => {
    const data = linkedDataDir(t, ['decnet-plugin-leaky'])
    for (const value of ['0', '-5', '1.5', 'lots']) {
      const run = await runDecnet(t, ['fleet', 'unlimited', '--allow-root', '--once', '--max-memory', value], {env: data.env})
      assert.equal(run.code, 2, `${value}: ${run.stderr}`)
      assert.match(unwrap(run.stderr), /max-memory/, value)
    }
  })
})
