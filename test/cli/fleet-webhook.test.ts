// `--webhook` applied to a fleet before anything starts: the sender worker joins only with a
// webhook and gets URL and secret; the other workers get the queue's bound; bad settings are
// refused with the error that exits 14 (or 2 for a flag without --webhook).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
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

  it('--webhook-ca: the sender gets the CA certificates read and checked; a file that cannot be used, or an http receiver, is refused naming it (exit 14)', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-fleet-webhook-ca-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const ca = join(dir, 'ca.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', ca, '-subj', '/CN=decnet test private CA', '-days', '2'], {stdio: 'pipe'})
    const pem = readFileSync(ca, 'utf8')
    const secret = secretFile(t)
    const {fleet, notice} = fleetWebhook(HEAVY, {webhook: 'https://soc.internal/decnet', 'webhook-ca': ca, 'webhook-secret-file': secret}, {})
    const options = fleet.workers.find((worker) => worker.name === 'webhook')!.options as {webhook: {ca: string}}
    assert.equal(options.webhook.ca, pem.endsWith('\n') ? pem : `${pem}\n`)
    assert.equal(notice, `alerts: POST to https://soc.internal/… (signed with HMAC-SHA256; its TLS certificate checked against the CA of ${ca} only)`)

    const refused = (file: string, url = 'https://soc.internal/decnet') => {
      try {
        fleetWebhook(HEAVY, {webhook: url, 'webhook-ca': file, 'webhook-secret-file': secret}, {})
      } catch (error) {
        assert.ok(error instanceof WebhookSettingsError, String(error))
        assert.equal(error.problem, 'ca')
        return error.message
      }

      assert.fail(`${file} was accepted`)
    }

    assert.equal(refused(join(dir, 'missing.pem')), `cannot read the webhook CA file ${JSON.stringify(join(dir, 'missing.pem'))} (--webhook-ca): ENOENT`)
    writeFileSync(join(dir, 'key-only.pem'), readFileSync(join(dir, 'ca.key')))
    assert.match(refused(join(dir, 'key-only.pem')), /the webhook CA file ".*key-only\.pem" \(--webhook-ca\) holds no PEM certificate/)
    writeFileSync(join(dir, 'broken.pem'), `${pem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`)
    assert.match(refused(join(dir, 'broken.pem')), /\(--webhook-ca\): certificate 2 of 2 is not an X\.509 certificate/)
    assert.equal(refused(ca, 'http://127.0.0.1:9/x'), '--webhook-ca is for an https:// receiver; http://127.0.0.1:9/… is http')
    assert.throws(() => fleetWebhook(HEAVY, {'webhook-ca': ca}, {}), /`--webhook-ca` needs --webhook URL/)
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
