import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {describe, it} from 'node:test'

import {
  extractCredential,
  MAX_NAME_CHARS,
  MAX_PRINCIPAL_CHARS,
  MAX_SECRET_BYTES,
  printableText,
  secretText,
} from '../../src/logs/credential.js'
import {parseLine} from '../../src/logs/parse.js'
import {SecretCache} from '../../src/workers/profiler/secret-cache.js'

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64')
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')
/** Every byte value, twice (so the secret holds each control byte, invalid UTF-8 and NUL). */
const EVERY_BYTE = Uint8Array.from({length: 512}, (_, i) => i % 256)
/** Text an attacker may put in any field. */
const HOSTILE = 'r\u0000o\u001b[31mo\u0007t\\"]\n\r\t\u009b😀\ud800x'
const NO_UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

describe('extractCredential', () => {
  it('reads DECNET\'s credential shape (SSH auth-helper line, parsed as ingest parses it)', () => {
    const line =
      '<134>1 2025-03-02T10:15:22.481920+00:00 SRV-DEV-36 auth-helper - auth_attempt [relay@55555 username="root" principal="root" secret_printable="123456" secret_b64="MTIzNDU2" src_ip="198.51.100.23"]'
    const parsed = parseLine(line)
    if (!parsed.ok) throw new Error(parsed.reason)
    assert.equal(parsed.line.attackerIp, '198.51.100.23')
    assert.deepEqual(extractCredential(parsed.line.fields), {
      principal: 'root',
      secretKind: 'plaintext',
      secretB64: 'MTIzNDU2',
      secretBytes: 6,
      secretSha256: sha('123456'),
      outcome: null,
      domain: null,
    })
  })

  it('takes every field of the shape: kind, outcome, domain, principal before username', () => {
    const c = extractCredential({
      username: 'administrator', principal: 'CORP\\administrator', domain: 'CORP', secret_kind: 'ntlmssp_v2',
      secret_printable: 'ignored', secret_b64: 'AQEAAAAAAAA=', outcome: 'Success',
    })
    assert.deepEqual(c, {
      principal: 'CORP\\administrator', secretKind: 'ntlmssp_v2', secretB64: 'AQEAAAAAAAA=', secretBytes: 8,
      secretSha256: sha(Buffer.from('AQEAAAAAAAA=', 'base64')), outcome: 'success', domain: 'CORP',
    })
    assert.equal(extractCredential({username: 'bob', secret_b64: 'eA==', outcome: 'failure'})?.principal, 'bob')
    assert.equal(extractCredential({username: 'bob', secret_b64: 'eA==', outcome: 'maybe'})?.outcome, null)
  })

  it('counts DECNET\'s Python None, a blank or a missing principal as no one', () => {
    for (const fields of [{principal: 'None', secret_b64: 'eA=='}, {principal: ' ', username: 'None', secret_b64: 'eA=='}, {secret_b64: 'eA=='}]) {
      assert.equal(extractCredential(fields)?.principal, null, JSON.stringify(fields))
    }

    assert.equal(extractCredential({principal: 'None', username: 'admin', secret_b64: 'eA=='})?.principal, 'admin')
  })

  it('needs a strict standard base64 secret_b64, and nothing else', () => {
    for (const bad of ['MTIzNDU', 'MTIzNDU2=', 'MTI=NDU2', 'MTIzNDU2\n', 'M-Iz', '****', 'eA', 'eA===']) {
      assert.equal(extractCredential({principal: 'root', secret_b64: bad}), null, bad)
    }

    for (const fields of [{}, {secret_printable: 'x'}, {secret_b64: 42}, {secret_b64: null}, {secret_b64: ['eA==']}]) {
      assert.equal(extractCredential(fields as Record<string, unknown>), null, JSON.stringify(fields))
    }

    // an empty secret is a secret (mysql with no password)
    assert.deepEqual(extractCredential({username: 'root', secret_b64: ''})?.secretSha256, sha(''))
  })

  it('keeps a secret\'s exact bytes (every byte value) and hashes all of them', () => {
    const c = extractCredential({principal: 'x', secret_b64: b64(EVERY_BYTE)})!
    assert.deepEqual(Buffer.from(c.secretB64, 'base64'), Buffer.from(EVERY_BYTE))
    assert.equal(c.secretBytes, 512)
    assert.equal(c.secretSha256, sha(EVERY_BYTE))
  })

  it('bounds a huge secret to its first bytes, its hash still of all of it', () => {
    const huge = Uint8Array.from({length: 40_000}, (_, i) => (i * 7) % 256)
    const c = extractCredential({secret_b64: b64(huge)})!
    assert.equal(Buffer.from(c.secretB64, 'base64').length, MAX_SECRET_BYTES)
    assert.deepEqual(Buffer.from(c.secretB64, 'base64'), Buffer.from(huge.subarray(0, MAX_SECRET_BYTES)))
    assert.equal(c.secretBytes, 40_000)
    assert.equal(c.secretSha256, sha(huge))
  })

  it('bounds hostile names and makes them storable, keeping everything else as sent', () => {
    const c = extractCredential({
      principal: HOSTILE.repeat(100), secret_kind: HOSTILE.repeat(10), domain: HOSTILE.repeat(10), secret_b64: 'eA==', outcome: HOSTILE,
    })!
    assert.ok(c.principal!.length <= MAX_PRINCIPAL_CHARS && c.principal!.length > MAX_PRINCIPAL_CHARS - 2)
    assert.ok(c.secretKind.length <= MAX_NAME_CHARS && c.domain!.length <= MAX_NAME_CHARS)
    for (const text of [c.principal!, c.secretKind, c.domain!]) assert.doesNotMatch(text, NO_UNSTORABLE)
    // control bytes other than NUL stay as sent (display escapes them)
    assert.ok(c.principal!.startsWith('r\ufffdo\u001b[31mo\u0007t\\"]\n\r\t\u009b😀\ufffdx'))
    assert.equal(c.outcome, null)
  })

  it('takes numbers as names (a JSON-typed store) and nothing that is not a string or number', () => {
    assert.equal(extractCredential({principal: 1234, secret_b64: 'eA=='})?.principal, '1234')
    assert.equal(extractCredential({principal: {a: 1}, username: ['x'], secret_b64: 'eA=='})?.principal, null)
  })
})

describe('secretText', () => {
  it('shows a plaintext secret as text, escaping control bytes, invalid UTF-8 and backslashes so the bytes can be read back', () => {
    assert.equal(secretText(b64('hunter2'), 'plaintext'), 'hunter2')
    assert.equal(secretText(b64('\u001b[31mred\\n'), 'plaintext'), '\\x1b[31mred\\\\n')
    assert.equal(secretText(b64(Uint8Array.from([0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0x80, 0x00])), 'plaintext'), 'a\\xff\\xc3(€😀\\xed\\xa0\\x80\\x00')
    assert.equal(secretText(b64('\u009b'), 'http_bearer'), '\\x9b')
  })

  it('shows every byte value without a raw control character', () => {
    const shown = secretText(b64(EVERY_BYTE), 'plaintext')
    assert.doesNotMatch(shown, /[\u0000-\u001f\u007f-\u009f]/)
    assert.equal(unescape(shown), Buffer.from(EVERY_BYTE).toString('latin1'))
  })

  it('shows hashes and challenge responses as hex, and marks a cut secret', () => {
    assert.equal(secretText('AQEAAAAAAAA=', 'ntlmssp_v2'), '0101000000000000')
    assert.equal(secretText('MXW84dMgHRZZTOv51+s/nQ==', 'postgres_md5_challenge'), '3175bce1d3201d16594cebf9d7eb3f9d')
    assert.equal(secretText(b64('abc'), 'plaintext', 5000), 'abc…')
    assert.equal(secretText(b64('abc'), 'plaintext', 3), 'abc')
  })

  it('printableText escapes C0, DEL and C1 controls and doubles backslashes', () => {
    assert.equal(printableText('a\u0000b\u007f\u0085\\c'), 'a\\x00b\\x7f\\x85\\\\c')
  })
})

describe('extractCredential with a secret memory', () => {
  it('gives what it gives without one, decoding each secret once; a text that is not base64, or a long one, is not remembered', () => {
    const memory = new SecretCache()
    const asked: string[] = []
    const set: string[] = []
    const spy = {
      get: (encoded: string) => (asked.push(encoded), memory.get(encoded)),
      set: (encoded: string, secret: Parameters<SecretCache['set']>[1]) => (set.push(encoded), memory.set(encoded, secret)),
    }
    const lines = [
      {principal: 'root', secret_b64: b64('123456')},
      {principal: 'admin', secret_b64: b64('123456'), outcome: 'failure', secret_kind: 'plaintext'},
      {username: 'bob', secret_b64: b64(EVERY_BYTE), domain: 'CORP', secret_kind: 'ntlmssp_v2'},
      {principal: 'root', secret_b64: 'not base64!'},
      {principal: 'root', secret_b64: 'not base64!'},
      {principal: 'eve', secret_b64: b64(new Uint8Array(MAX_SECRET_BYTES + 10).fill(7))},
      {principal: 'eve', secret_b64: b64(new Uint8Array(MAX_SECRET_BYTES + 10).fill(7))},
    ]
    for (const fields of lines) assert.deepEqual(extractCredential(fields, spy), extractCredential(fields), JSON.stringify(fields))
    const long = b64(new Uint8Array(MAX_SECRET_BYTES + 10).fill(7))
    assert.deepEqual(set, [b64('123456'), b64(EVERY_BYTE), long, long])
    assert.equal(memory.get('not base64!'), undefined)
    assert.equal(memory.get(long), undefined)
    // a text the memory holds is not decoded again: the second sighting of each is a lookup
    assert.equal(asked.length, lines.length)
    assert.equal(extractCredential({principal: 'x', secret_b64: b64('123456')}, spy)?.secretSha256, sha('123456'))
    assert.equal(set.length, 4)
  })
})

/** The bytes {@link secretText} names (as latin1 text), read back from its escapes. */
function unescape(shown: string): string {
  const bytes: number[] = []
  for (let i = 0; i < shown.length; ) {
    if (shown[i] === '\\' && shown[i + 1] === '\\') {
      bytes.push(0x5c)
      i += 2
    } else if (shown[i] === '\\' && shown[i + 1] === 'x') {
      bytes.push(Number.parseInt(shown.slice(i + 2, i + 4), 16))
      i += 4
    } else {
      const char = String.fromCodePoint(shown.codePointAt(i)!)
      bytes.push(...Buffer.from(char, 'utf8'))
      i += char.length
    }
  }

  return Buffer.from(bytes).toString('latin1')
}
