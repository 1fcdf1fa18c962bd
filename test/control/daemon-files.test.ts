// The daemon's log and the pid file's temporary are written as the user running decnet (root, often): a symlink
// planted at those paths must not make decnet append to, or truncate, its target.
import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {claimPidFile, rewritePidFile} from '../../src/control/pid-file.js'
import {daemonSetup} from '../helpers/daemon.js'
import {runDecnet, unwrap} from '../helpers/decnet-cli.js'

const VICTIM_TEXT = 'root:x:0:0:root:/root:/bin/bash\n'

function scratch(t: TestContext): {dir: string; victim: string} {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-daemon-files-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const victim = join(dir, 'victim')
  writeFileSync(victim, VICTIM_TEXT)
  return {dir, victim}
}

describe('pid file temporaries never follow a symlink', () => {
  it('claimPidFile: a symlink planted at the temporary is replaced, its target untouched', (t) => {
    const {dir, victim} = scratch(t)
    const pidFile = join(dir, 'sample.pid')
    symlinkSync(victim, `${pidFile}.${process.pid}.tmp`)
    claimPidFile(pidFile, 'sample', 4242)
    assert.equal(readFileSync(victim, 'utf8'), VICTIM_TEXT, 'the symlink target was truncated')
    assert.equal(readFileSync(pidFile, 'utf8'), '4242\n')
  })

  it('rewritePidFile: the same, and the pid file is replaced, not its target written', (t) => {
    const {dir, victim} = scratch(t)
    const pidFile = join(dir, 'sample.pid')
    writeFileSync(pidFile, '1\n')
    symlinkSync(victim, `${pidFile}.${process.pid}.tmp`)
    rewritePidFile(pidFile, 4343)
    assert.equal(readFileSync(victim, 'utf8'), VICTIM_TEXT)
    assert.equal(readFileSync(pidFile, 'utf8'), '4343\n')
  })

  it('the temporary is 0644 whatever the umask', (t) => {
    const {dir} = scratch(t)
    const pidFile = join(dir, 'umask.pid')
    const old = process.umask(0o077)
    try {
      claimPidFile(pidFile, 'umask', 4444)
    } finally {
      process.umask(old)
    }

    assert.equal(readFileSync(pidFile, 'utf8'), '4444\n')
    assert.equal((statSync(pidFile).mode & 0o777).toString(8), '644')
  })
})

describe("the daemon's log never follows a symlink", {skip: process.getuid?.() === 0 ? undefined : 'runs the sample fleet as --user nobody (needs root)'}, () => {
  it('fleet --daemon refuses a symlink planted at its log (exit 1, naming it) and appends nothing to the target', async (t) => {
    const fleet = daemonSetup(t, ['decnet-plugin-sample'])
    const {victim} = scratch(t)
    chmodSync(victim, 0o644)
    mkdirSync(join(fleet.dir, 'logs'), {mode: 0o700})
    symlinkSync(victim, fleet.logFile('sample'))
    t.after(() => runDecnet(t, ['fleet', 'stop', 'sample'], {env: fleet.env}).catch(() => {}))
    const run = await runDecnet(t, ['fleet', 'sample', '--daemon', '--user', 'nobody'], {env: fleet.env})
    assert.equal(run.code, 1, run.stderr + run.stdout)
    assert.match(unwrap(run.stderr), new RegExp(`refusing to write the fleet's log through a symlink at ${fleet.logFile('sample')}: remove it`))
    assert.equal(readFileSync(victim, 'utf8'), VICTIM_TEXT, 'root appended to the symlink target')
    const again = await runDecnet(t, ['fleet', 'sample', '--daemon', '--user', 'nobody'], {env: fleet.env})
    assert.equal(again.code, 1, 'the pid file was released: the same refusal, not "already running"')
    assert.doesNotMatch(again.stderr, /already running/)
  })
})
