// The pure parts of webhooks: the signature a receiver checks, the URL decnet accepts
// (and how it shows it), the secret it reads, and the payload it builds from an alert.
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {alertPayload, MAX_PAYLOAD_TEXT, type QueuedAlert} from '../../src/alerts/alert-payload.js'
import {alertKey} from '../../src/alerts/alert.js'
import {readWebhookSecret} from '../../src/alerts/webhook-secret.js'
import {WebhookSettingsError} from '../../src/alerts/webhook-settings-error.js'
import {signWebhook, verifyWebhook} from '../../src/alerts/webhook-signature.js'
import {displayWebhookUrl, parseWebhookUrl} from '../../src/alerts/webhook-url.js'

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-webhook-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

describe('webhook signature', () => {
  const body = '{"event":"attacker.first_seen"}'
  const now = 1_765_148_400

  it('is HMAC-SHA256 over timestamp.body, as sha256=<hex>, and verifies', () => {
    const signature = signWebhook('s3cret', String(now), body)
    assert.match(signature, /^sha256=[0-9a-f]{64}$/)
    assert.equal(verifyWebhook('s3cret', String(now), body, signature, {now}), true)
  })

  it('fails for another secret, another body, another timestamp, or one too old', () => {
    const signature = signWebhook('s3cret', String(now), body)
    assert.equal(verifyWebhook('other', String(now), body, signature, {now}), false)
    assert.equal(verifyWebhook('s3cret', String(now), body.replace('first', 'last'), signature, {now}), false)
    assert.equal(verifyWebhook('s3cret', String(now + 1), body, signature, {now}), false)
    assert.equal(verifyWebhook('s3cret', String(now), body, signature, {now: now + 301}), false)
    assert.equal(verifyWebhook('s3cret', undefined, body, signature, {now}), false)
    assert.equal(verifyWebhook('s3cret', String(now), body, 'sha256=00', {now}), false)
  })
})

describe('webhook URL', () => {
  it('takes http and https URLs', () => {
    assert.equal(parseWebhookUrl('https://hooks.example/decnet', '--webhook').host, 'hooks.example')
    assert.equal(parseWebhookUrl('http://127.0.0.1:8080/x', '--webhook').port, '8080')
  })

  it('refuses anything else, naming the flag and never showing credentials, path or query', () => {
    for (const text of ['ftp://user:pw@files.example/x?token=abc', 'file:///etc/passwd', 'not a url', 'https://user:pw@hooks.example/x#frag', '']) {
      assert.throws(
        () => parseWebhookUrl(text, '--webhook'),
        (error: Error) => error instanceof WebhookSettingsError && error.problem === 'url' && error.message.includes('`--webhook`') && !/pw|abc|passwd/.test(error.message),
        text,
      )
    }
  })

  it('shows scheme, host and port only', () => {
    assert.equal(displayWebhookUrl(new URL('https://u:p@hooks.example:8443/T0/B0/secret?token=1')), 'https://hooks.example:8443/…')
    assert.equal(displayWebhookUrl(new URL('http://hooks.example')), 'http://hooks.example/')
  })
})

describe('webhook secret', () => {
  it('reads a file without its trailing newline', (t) => {
    const file = join(tempDir(t), 'secret')
    writeFileSync(file, 's3cret\n', {mode: 0o600})
    assert.equal(readWebhookSecret({env: {}, file}), 's3cret')
  })

  it('else reads $DECNET_WEBHOOK_SECRET', () => {
    assert.equal(readWebhookSecret({env: {DECNET_WEBHOOK_SECRET: 'from-env'}}), 'from-env')
  })

  it('refuses a missing or empty file, and no secret at all, without showing any secret', (t) => {
    const dir = tempDir(t)
    const empty = join(dir, 'empty')
    writeFileSync(empty, '\n')
    const secretError = (pattern: RegExp) => (error: Error) => error instanceof WebhookSettingsError && error.problem === 'secret' && pattern.test(error.message)
    assert.throws(() => readWebhookSecret({env: {DECNET_WEBHOOK_SECRET: 'leak'}, file: join(dir, 'missing')}), secretError(/cannot read .*missing.*ENOENT/))
    assert.throws(() => readWebhookSecret({env: {}, file: empty}), secretError(/is empty/))
    assert.throws(() => readWebhookSecret({env: {}}), secretError(/--webhook-secret-file FILE, or \$DECNET_WEBHOOK_SECRET/))
  })

  it('refuses a file its reader may not read', {skip: process.getuid?.() === 0 && 'root reads any file'}, (t) => {
    const file = join(tempDir(t), 'secret')
    writeFileSync(file, 's3cret')
    chmodSync(file, 0o000)
    assert.throws(() => readWebhookSecret({env: {}, file}), /EACCES/)
  })
})

describe('alert payload', () => {
  const base = {attackerIp: '203.0.113.7', logId: 42, queuedAt: '2026-12-07T22:00:00.000Z', seenAt: '2026-11-20T08:14:02.114Z'}
  const names = {tactic: (id: string) => (id === 'TA0002' ? 'Execution' : undefined), technique: (id: string) => (id === 'T1059.004' ? 'Unix Shell' : undefined)}

  it('says when and where an attacker was first seen', () => {
    const alert: QueuedAlert = {...base, decky: 'decky-01', kind: 'attacker.first_seen', service: 'ssh', tactic: null, techniqueId: null}
    const payload = alertPayload(alert)
    assert.deepEqual(payload.firstSeen, {at: base.seenAt, decky: 'decky-01', service: 'ssh'})
    assert.equal(payload.event, 'attacker.first_seen')
    assert.equal(payload.version, 1)
    assert.match(payload.id, /^[0-9a-f]{32}$/)
    assert.equal(payload.summary, 'new attacker 203.0.113.7 first seen on decky decky-01 (ssh) at 2026-11-20T08:14:02.114Z')
  })

  it('names the technique and its tactic from the catalog; its id is stable per (kind, attacker, technique)', () => {
    const alert: QueuedAlert = {...base, kind: 'attacker.technique', ruleId: 'execution.unix-shell', tactic: 'TA0002', techniqueId: 'T1059.004'}
    const payload = alertPayload(alert, names)
    assert.deepEqual(payload.technique, {firstSeen: base.seenAt, id: 'T1059.004', name: 'Unix Shell', rule: 'execution.unix-shell', tactic: 'TA0002', tacticName: 'Execution'})
    assert.equal(payload.summary, 'attacker 203.0.113.7 used T1059.004 Unix Shell (Execution) for the first time at 2026-11-20T08:14:02.114Z')
    assert.equal(alertPayload({...alert, logId: 7, queuedAt: 'later'}, names).id, payload.id)
    assert.notEqual(alertPayload({...alert, techniqueId: 'T1082'}, names).id, payload.id)
    assert.equal(alertKey(alert), 'attacker.technique 203.0.113.7 T1059.004')
  })

  it('escapes control bytes, bounds attacker text, and makes no links of it', () => {
    const decky = `evil\u001b[31m\u202ehttp://x.example/${'a'.repeat(500)}`
    const payload = alertPayload({...base, decky, kind: 'attacker.first_seen', service: 'www.example.com', tactic: null, techniqueId: null})
    assert.ok(payload.firstSeen!.decky!.length <= MAX_PAYLOAD_TEXT)
    assert.match(payload.firstSeen!.decky!, /^evil\\x1b\[31m\\u202ehttp:\/\//)
    assert.doesNotMatch(payload.summary, /http:\/\/|www\.|[\u0000-\u001f\u202e]/)
    assert.match(payload.summary, /hxxp\[:\]\/\/x\.example/)
  })
})
