import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {attackerIp, normaliseIp} from '../../src/logs/attacker-ip.js'

describe('attackerIp', () => {
  test('field preference: src_ip, src, client_ip, remote_ip, remote_addr, ip', () => {
    const all: Record<string, string> = {ip: '192.0.2.6', remote_addr: '192.0.2.5', remote_ip: '192.0.2.4', client_ip: '192.0.2.3', src: '192.0.2.2', src_ip: '192.0.2.1'}
    assert.equal(attackerIp(all, null), '192.0.2.1')
    const names = ['src_ip', 'src', 'client_ip', 'remote_ip', 'remote_addr', 'ip']
    for (let i = 0; i < names.length; i++) {
      const fields = Object.fromEntries(names.slice(i).map((name) => [name, all[name]]))
      assert.equal(attackerIp(fields, null), all[names[i]], names[i])
    }
  })

  test('an empty or non-IP field falls through to the next', () => {
    assert.equal(attackerIp({src_ip: '', src: 'not-an-ip', client_ip: '198.51.100.7'}, null), '198.51.100.7')
  })

  test('from the message: src=, rhost=, from ADDRESS', () => {
    assert.equal(attackerIp({}, 'CMD uid=0 src=203.0.113.7 cmd=id'), '203.0.113.7')
    assert.equal(attackerIp({}, 'pam_unix(sshd:auth): authentication failure; logname= uid=0 rhost=198.51.100.2  user=root'), '198.51.100.2')
    assert.equal(attackerIp({}, 'Failed password for root from 192.0.2.44 port 22 ssh2'), '192.0.2.44')
    assert.equal(attackerIp({}, 'message from the admin, then from [2001:db8::5]:22'), '2001:db8::5')
    assert.equal(attackerIp({}, 'nothing here'), null)
    assert.equal(attackerIp({}, null), null)
  })

  test('fields win over the message', () => {
    assert.equal(attackerIp({src_ip: '192.0.2.1'}, 'from 192.0.2.2'), '192.0.2.1')
  })
})

describe('normaliseIp', () => {
  const cases: Array<[string, string | null]> = [
    ['203.0.113.7', '203.0.113.7'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['203.0.113.7:4242', '203.0.113.7'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:22', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['203.0.113.256', null],
    ['example.com', null],
    ['2001:db8::1:22:33:44:55:66:77', null],
    ['', null],
  ]
  for (const [input, expected] of cases) test(`${JSON.stringify(input)} -> ${expected}`, () => assert.equal(normaliseIp(input), expected))
})
