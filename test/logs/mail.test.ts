import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {extractArtifact, isArtifactEventType} from '../../src/logs/artifact.js'
import {addressDomain, extractMail, isSmtpTargetEventType, MAX_MAIL_ATTACHMENTS, MAX_MAIL_DOMAINS, smtpTargetsOf} from '../../src/logs/mail.js'

describe('mail addresses', () => {
  it('takes the domain of an RCPT TO / MAIL FROM argument, lower case, IDNs as A-labels', () => {
    const cases: Array<[string, null | string]> = [
      ['<cfo@Bank.Example.COM>', 'bank.example.com'],
      ['TO:<a@b.com> NOTIFY=NEVER', 'b.com'],
      ['a@b.com', 'b.com'],
      ['<info@Bücher.DE.>', 'xn--bcher-kva.de'],
      ['<a@xn--bcher-kva.de>', 'xn--bcher-kva.de'],
      ['<a@аpple.com>', 'xn--pple-43d.com'], // a Cyrillic а: the homoglyph shows as an A-label
      ['<"a@b"@c.co>', 'c.co'],
      ['<@relay.example:u@host.org>', 'host.org'],
      ['<postmaster>', null],
      ['<@b.com>', null],
      ['<u@[192.0.2.1]>', null],
      ['<a@b.c>', null],
      ['<a@localhost>', null],
      ['<a@b..com>', null],
      ['<a@-b.com>', null],
      ['<a@exa mple.com>', null],
      ['a@ex\u0000ample.com', null],
      ['<a@b.com\u202E>', null],
      ['<a@\uD800.com>', null],
      [`<a@${'x'.repeat(64)}.com>`, null],
      [`<a@${'b.'.repeat(2000)}com>`, null],
    ]
    for (const [text, domain] of cases) assert.equal(addressDomain(text), domain, JSON.stringify(text))
  })
})

describe('SMTP targets', () => {
  it('reads RCPT lines of every outcome and accepted messages, leaving reserved TLDs out', () => {
    for (const type of ['rcpt_to', 'rcpt_denied', 'rcpt_greylisted', 'rcpt_rejected_syntax', 'rcpt_rejected_tld', 'RCPT-To', 'message_accepted']) assert.ok(isSmtpTargetEventType(type), type)
    assert.ok(!isSmtpTargetEventType('mail_from') && !isSmtpTargetEventType('message_stored'))
    assert.deepEqual(smtpTargetsOf('rcpt_denied', {value: '<A@B.com>'}), {domains: ['b.com'], message: false})
    assert.equal(smtpTargetsOf('rcpt_rejected_tld', {value: '<x@victim.test>'}), null)
    assert.equal(smtpTargetsOf('rcpt_to', {value: 42}), null)
    assert.equal(smtpTargetsOf('mail_from', {value: '<a@b.com>'}), null)
    assert.deepEqual(smtpTargetsOf('message_accepted', {rcpt_to: 'a@x.com, b@X.com,c@y.example d@z.org'}), {domains: ['x.com', 'z.org'], message: true})
  })

  it('reads at most 1,000 recipients of a line', () => {
    const many = Array.from({length: 5000}, (_, i) => `u@d${i}.example.org`).join(',')
    assert.equal(smtpTargetsOf('message_accepted', {rcpt_to: many})?.domains.length, 1000)
  })
})

describe('stored mail', () => {
  it('is an artifact of kind mail, its values bounded and storable', () => {
    assert.ok(isArtifactEventType('message_stored'))
    const attachments = Array.from({length: 40}, (_, i) => ({filename: `f${i}\u0000.exe`, content_type: 'x/y', size: i, sha256: 'A'.repeat(64), macro_indicator: i === 0, encrypted: 'True'}))
    const rcpt = Array.from({length: 100}, (_, i) => `u${i}@d${i}.com`).join(',')
    const mail = extractArtifact('message_stored', {
      msg_id: '4F2A', subject: `s\u0000\uD800${'x'.repeat(600)}`, from_hdr: 'a', mail_from: 'b@c.com', rcpt_to: rcpt, size: '2048', sha256: 'not-a-hash',
      truncated: '1', attachment_count: '40', attachments_json: JSON.stringify(attachments), x_mailer: 'gophish', stored_as: 'x.eml',
    })
    assert.ok(mail !== null && mail.kind === 'mail')
    assert.equal(mail.subject?.length, 512)
    assert.ok(mail.subject.startsWith('s\uFFFD\uFFFDx'))
    assert.equal(mail.recipientCount, 100)
    assert.equal(mail.recipientDomains.length, MAX_MAIL_DOMAINS)
    assert.equal(mail.attachments.length, MAX_MAIL_ATTACHMENTS)
    assert.equal(mail.attachmentCount, 40)
    assert.deepEqual(mail.attachments[0], {filename: 'f0\uFFFD.exe', contentType: 'x/y', size: 0, sha256: 'a'.repeat(64), macro: true, encrypted: true})
    assert.equal(mail.sha256, null, 'a malformed hash is none')
    assert.equal(mail.truncated, true)
  })

  it('takes no attachments from attachments_json that is not a JSON list', () => {
    for (const text of ['{bad', '{"a": 1}', "[{'filename': 'a'}]", '']) {
      const mail = extractMail({attachments_json: text})
      assert.deepEqual([mail.attachments, mail.attachmentCount], [[], null], text)
    }

    assert.deepEqual(extractMail({attachments_json: '[]'}).attachmentCount, 0)
  })
})
