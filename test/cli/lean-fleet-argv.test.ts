// The lean path reads `decnet fleet NAME [FLAGS]` from oclif.manifest.json (src/cli/lean-fleet-argv.ts):
// whatever it accepts, oclif's own parser (with the command's flag definitions) reads the same way,
// and whatever oclif refuses, it leaves to oclif (which then prints its own message).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {it} from 'node:test'

import * as Args from '@oclif/core/args'
import {parse} from '@oclif/core/parser'

import {fleetFlags} from '../../src/cli/fleet-flags.js'
import {type ManifestFlag, parseFleetArgv} from '../../src/cli/lean-fleet-argv.js'

const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {
  commands: {fleet: {flags: Record<string, ManifestFlag>}}
}
const FLAGS = manifest.commands.fleet.flags

async function oclif(argv: string[]): Promise<{name?: string; flags: object} | Error> {
  try {
    const {args, flags} = await parse(argv, {args: {name: Args.string()}, flags: fleetFlags, strict: true})
    return {flags, name: args.name}
  } catch (error) {
    return error as Error
  }
}

const ACCEPTED = [
  ['heavy'],
  ['heavy', '--once'],
  ['heavy', '-d'],
  ['heavy', '--daemon', '--ready-timeout', '5'],
  ['heavy', '--daemon-child', '--user', 'nobody'],
  ['heavy', '--grace=2.5', '--watchdog', '0', '--max-backoff', '3', '--interval', '1'],
  ['heavy', '--max-memory', '256', '--allow-root', '--db', 'sqlite:/tmp/x.sqlite'],
  ['heavy', '--max-memory=1048576'],
  ['heavy', '--grace', 'abc'], // a bad duration is the command's error (FlagValueError), on both paths
  ['collect', '--follow', '/var/log/decnet/decnet.log'],
  ['collect', '--listen', 'tcp://127.0.0.1:5514', '--listen=tls://0.0.0.0:6514', '--user', 'nobody', '--follow', 'a.log'],
]

for (const argv of ACCEPTED) {
  it(`reads ${argv.join(' ')} as oclif does`, async () => {
    const lean = parseFleetArgv(argv, FLAGS)
    assert.ok(lean, 'the lean path takes it')
    assert.deepEqual({flags: lean.flags, name: lean.name}, await oclif(argv))
  })
}

const REFUSED_BY_OCLIF = [
  ['heavy', '--once', '--daemon'],
  ['heavy', '--nope'],
  ['heavy', 'extra'],
  ['heavy', '--max-memory', '0'],
  ['heavy', '--max-memory', '1048577'],
  ['heavy', '--max-memory', '1.5'],
  ['heavy', '--once=yes'],
  ['heavy', '--user'],
]

for (const argv of REFUSED_BY_OCLIF) {
  it(`leaves ${argv.join(' ')} to oclif, which refuses it`, async () => {
    assert.ok((await oclif(argv)) instanceof Error, 'oclif refuses it')
    assert.equal(parseFleetArgv(argv, FLAGS), undefined)
  })
}

it('leaves help, a flag before NAME, `--`, a repeated flag and several values after one flag to oclif', () => {
  const greedy = ['collect', '--follow', 'a.log', 'b.log'] // oclif takes both; the lean path sees a positional
  for (const argv of [['heavy', '--help'], ['heavy', '-h'], ['--once', 'heavy'], ['heavy', '--', '--once'], ['heavy', '--grace', '1', '--grace', '2'], greedy]) {
    assert.equal(parseFleetArgv(argv, FLAGS), undefined, argv.join(' '))
  }
})

it('leaves a flag it cannot read as oclif would (an env variable, choices) to oclif', () => {
  assert.equal(parseFleetArgv(['heavy'], {...FLAGS, user: {...FLAGS.user, env: 'DECNET_USER'}}), undefined)
  assert.equal(parseFleetArgv(['heavy'], {...FLAGS, db: {...FLAGS.db, options: ['a', 'b']}}), undefined)
})
