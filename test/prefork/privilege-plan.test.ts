import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import type {Credentials} from '../../src/prefork/credentials.js'
import {lookupUser, type UserAccount} from '../../src/prefork/lookup-user.js'
import {planPrivileges, PrivilegeError, type PrivilegeErrorKind, type PrivilegeRequest} from '../../src/prefork/privilege-plan.js'

const ROOT: Credentials = {capEff: 0x1ffffffffffn, egid: 0, euid: 0, gid: 0, groups: [], uid: 0}
const ALICE: Credentials = {capEff: 0n, egid: 1000, euid: 1000, gid: 1000, groups: [], uid: 1000}
const database: PrivilegeRequest['fleet'] = {name: 'heavy', profile: 'database'}
const rootly: PrivilegeRequest['fleet'] = {name: 'rootly', profile: 'root'}
const accounts: Readonly<Record<string, UserAccount>> = {
  alice: {gid: 1000, name: 'alice', uid: 1000},
  nobody: {gid: 65534, name: 'nobody', uid: 65534},
  toor: {gid: 0, name: 'toor', uid: 0},
  wheel: {gid: 0, name: 'wheel', uid: 1001},
}
const lookup = (name: string): undefined | UserAccount => accounts[name]

/** The message of the PrivilegeError of `kind` that planPrivileges must throw for `request`. */
function refusal(request: Omit<PrivilegeRequest, 'lookup'>, kind: PrivilegeErrorKind): string {
  let caught: PrivilegeError | undefined
  assert.throws(() => planPrivileges({lookup, ...request}), (error) => {
    if (!(error instanceof PrivilegeError) || error.kind !== kind) return false
    caught = error
    return true
  })
  assert.ok(caught, `a PrivilegeError (${kind})`)
  return caught.message
}

describe('planPrivileges', () => {
  it('refuses a database fleet as root, saying why and what to do', () => {
    const message = refusal({creds: ROOT, fleet: database}, 'refused')
    assert.match(message, /^refusing to run fleet 'heavy' as root: its profile is 'database'/)
    assert.match(message, /--user NAME/)
    assert.match(message, /--allow-root/)
    assert.equal(refusal({creds: {...ALICE, euid: 0}, fleet: database}, 'refused').startsWith('refusing'), true, 'euid 0 is root too')
  })

  it('drops to --user NAME and its primary group', () => {
    assert.deepEqual(planPrivileges({creds: ROOT, fleet: database, lookup, user: 'nobody'}), {allowRoot: false, user: accounts.nobody})
  })

  it('refuses --user without root, an unknown user, and a user that is itself root', () => {
    assert.match(refusal({creds: ALICE, fleet: database, user: 'nobody'}, 'usage'), /--user needs root \(only root can switch users\), but decnet runs as uid 1000/)
    assert.equal(refusal({creds: ROOT, fleet: database, user: 'mallory'}, 'usage'), "--user: unknown user 'mallory'")
    assert.match(refusal({creds: ROOT, fleet: database, user: 'toor'}, 'usage'), /^--user toor: that user runs as root/)
    assert.match(refusal({creds: ROOT, fleet: database, user: 'wheel'}, 'usage'), /^--user wheel: that user holds the root group/)
  })

  it('runs as root under --allow-root, with a loud warning, and tells the supervisor', () => {
    const plan = planPrivileges({allowRoot: true, creds: ROOT, fleet: database, lookup})
    assert.equal(plan.allowRoot, true)
    assert.match(plan.warning ?? assert.fail('no warning'), /running fleet 'heavy' as root because of --allow-root/)
    assert.throws(() => planPrivileges({allowRoot: true, creds: ROOT, fleet: database, lookup, user: 'nobody'}), /contradict/)
  })

  it('lets an unprivileged user run a database fleet with no flag', () => {
    assert.deepEqual(planPrivileges({creds: ALICE, fleet: database, lookup}), {allowRoot: false})
    assert.deepEqual(planPrivileges({allowRoot: true, creds: ALICE, fleet: database, lookup}), {allowRoot: false}, '--allow-root is moot')
  })

  it('refuses an unprivileged user holding more than the profile allows', () => {
    assert.match(refusal({creds: {...ALICE, capEff: 1n << 21n}, fleet: database}, 'refused'), /this process holds capability cap_sys_admin/)
  })

  it('runs a root fleet as root, refuses it to others, and refuses to drop it', () => {
    assert.deepEqual(planPrivileges({creds: ROOT, fleet: rootly, lookup}), {allowRoot: false})
    assert.equal(refusal({creds: ALICE, fleet: rootly}, 'insufficient'), "fleet 'rootly' needs root, but decnet runs as uid 1000")
    assert.equal(refusal({creds: ROOT, fleet: rootly, user: 'nobody'}, 'usage'), "fleet 'rootly' needs root: --user would take it away")
  })
})

describe('lookupUser', () => {
  it('reads /etc/passwd-style files by name or uid', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-passwd-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const file = join(dir, 'passwd')
    writeFileSync(file, 'root:x:0:0:root:/root:/bin/sh\nworker:x:1234:4321::/home/worker:/bin/false\n\nbroken:line\n')
    assert.deepEqual(lookupUser('worker', file), {gid: 4321, name: 'worker', uid: 1234})
    assert.deepEqual(lookupUser('1234', file), {gid: 4321, name: 'worker', uid: 1234})
  })

  it('finds the real nobody, and nothing for a name that does not exist', () => {
    assert.deepEqual(lookupUser('nobody'), {gid: 65534, name: 'nobody', uid: 65534})
    assert.equal(lookupUser('no-such-user-decnet'), undefined)
    assert.equal(lookupUser('--help'), undefined, 'a name that looks like an option is never passed to id(1) as one')
  })
})
