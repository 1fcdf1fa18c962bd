// `--webhook` applied to a fleet before anything starts: the sender worker joins only with a
// webhook and gets URL and secret; the other workers get the queue's bound; bad settings are
// refused with the error that exits 14 (or 2 for a flag without --webhook).
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {WebhookSettingsError} from '../../src/alerts/webhook-settings-error.js'
import {fleetWebhook} from '../../src/cli/fleet-webhook.js'
import {FlagValueError} from '../../src/cli/seconds.js'
import {heavy} from '../../src/fleets/heavy.js'
import type {ResolvedFleet} from '../../src/fleets/types.js'
import {validateFleet} from '../../src/fleets/validate.js'
import {REPO} from '../helpers/decnet-cli.js'

const resolved = validateFleet(heavy, 0, {pluginRoot: REPO, reserved: new Set()})
assert.ok(resolved.ok, 'heavy resolves (build first: its modules are in dist/)')
const HEAVY: ResolvedFleet = {...resolved.fleet, plugin: 'decnet', pluginRoot: REPO}

function secretFile(t: TestContext, text = 's3cret\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-fleet-webhook-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  writeFileSync(join(dir, 'secret'), text, {mode: 0o600})
  return join(dir, 'secret')
}

describe('fleetWebhook', () => {
  it('without a webhook: the sender is left out and nothing else changes', () => {
    const {fleet, notice} = fleetWebhook(HEAVY, {}, {})
    assert.deepEqual(fleet.workers.map((worker) => worker.name), ['profiler', 'ttp'])
    assert.deepEqual(fleet.workers.map((worker) => worker.options), [{interval: 60}, {interval: 60}])
    assert.equal(notice, undefined)
  })

  it('with one: the sender gets URL and secret, the ticks the bound; the notice shows no path, query or secret', (t) => {
    const flags = {webhook: 'https://hooks.example/T0/secret-path?token=x', 'webhook-max-backoff': '60', 'webhook-max-queue': '500', 'webhook-secret-file': secretFile(t)}
    const {fleet, notice} = fleetWebhook(HEAVY, flags, {})
    const options = Object.fromEntries(fleet.workers.map((worker) => [worker.name, worker.options]))
    assert.deepEqual(options, {
      profiler: {alerts: {maxQueue: 500}, interval: 60},
      ttp: {alerts: {maxQueue: 500}, interval: 60},
      webhook: {webhook: {maxBackoff: 60, secret: 's3cret', url: 'https://hooks.example/T0/secret-path?token=x'}},
    })
    assert.equal(notice, 'alerts: POST to https://hooks.example/… (signed with HMAC-SHA256; at most 500 queued)')
  })

  it('takes URL and secret from the environment', () => {
    const {fleet} = fleetWebhook(HEAVY, {}, {DECNET_WEBHOOK_SECRET: 'env-secret', DECNET_WEBHOOK_URL: 'http://127.0.0.1:9/x'})
    assert.deepEqual(fleet.workers.find((worker) => worker.name === 'webhook')?.options, {webhook: {secret: 'env-secret', url: 'http://127.0.0.1:9/x'}})
  })

  it('refuses a bad URL or secret (exit 14), a stray flag or a bad number (exit 2)', (t) => {
    assert.throws(() => fleetWebhook(HEAVY, {webhook: 'gopher://x/', 'webhook-secret-file': secretFile(t)}, {}), WebhookSettingsError)
    assert.throws(() => fleetWebhook(HEAVY, {webhook: 'https://x/', 'webhook-secret-file': secretFile(t, '')}, {}), /is empty/)
    assert.throws(() => fleetWebhook(HEAVY, {webhook: 'https://x/'}, {}), WebhookSettingsError)
    assert.throws(() => fleetWebhook(HEAVY, {'webhook-timeout': '5'}, {}), FlagValueError)
    assert.throws(() => fleetWebhook(HEAVY, {webhook: 'https://x/', 'webhook-max-queue': '1.5', 'webhook-secret-file': secretFile(t)}, {}), /positive whole number/)
    const noSender: ResolvedFleet = {...HEAVY, name: 'quiet', workers: HEAVY.workers.filter((worker) => worker.alerts !== 'sender')}
    assert.throws(() => fleetWebhook(noSender, {webhook: 'https://x/'}, {}), /fleet 'quiet' sends no alerts/)
    assert.equal(fleetWebhook(noSender, {}, {DECNET_WEBHOOK_URL: 'https://x/'}).fleet, noSender, 'the variable is for fleets that send alerts')
  })
})
