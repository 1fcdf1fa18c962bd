import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {type AuthSource, classifyAuth} from '../../src/logs/auth.js'

const row = (event_type: string, fields: Record<string, unknown> = {}, msg: string | null = null): AuthSource => ({event_type, fields: JSON.stringify(fields), msg})

describe('classifyAuth', () => {
  test('not auth events: null', () => {
    for (const type of ['command', 'request', 'connection', 'logout', 'redis_command', '-', '']) {
      assert.equal(classifyAuth(row(type, {success: 'false'}, 'Failed password')), null, type)
    }
  })

  test('the outcome is in the event type', () => {
    for (const type of ['login_failed', 'login_failure', 'auth_failure', 'auth_failed', 'failed_password', 'invalid_user', 'authentication_failed', 'bad_password', 'failed_publickey']) {
      assert.equal(classifyAuth(row(type)), 'failure', type)
    }

    for (const type of ['login_success', 'login_succeeded', 'auth_success', 'accepted_password', 'accepted_publickey', 'login_ok', 'LOGIN-SUCCESS']) {
      assert.equal(classifyAuth(row(type)), 'success', type)
    }
  })

  test('the success field wins over everything else', () => {
    assert.equal(classifyAuth(row('login_attempt', {success: 'true'})), 'success')
    assert.equal(classifyAuth(row('login_attempt', {success: '1'})), 'success')
    assert.equal(classifyAuth(row('login_attempt', {success: 'no'})), 'failure')
    assert.equal(classifyAuth({event_type: 'auth', fields: {success: false}, msg: null}), 'failure')
    assert.equal(classifyAuth(row('login_success', {success: 'false'})), 'failure')
  })

  test('result, status and outcome fields: words and HTTP codes', () => {
    assert.equal(classifyAuth(row('login', {result: 'ACCEPTED'})), 'success')
    assert.equal(classifyAuth(row('login', {status: 'denied'})), 'failure')
    assert.equal(classifyAuth(row('auth_attempt', {outcome: 'auth failed'})), 'failure')
    assert.equal(classifyAuth(row('login', {status: '401'})), 'failure')
    assert.equal(classifyAuth(row('login', {status: 302})), 'success')
    assert.equal(classifyAuth(row('login', {status: '200'})), 'success')
  })

  test('the message decides when fields and event type do not', () => {
    assert.equal(classifyAuth(row('auth', {}, 'Accepted password for root from 203.0.113.7')), 'success')
    assert.equal(classifyAuth(row('auth', {}, 'Failed password for root from 203.0.113.7')), 'failure')
    assert.equal(classifyAuth(row('login', {}, 'Login successful')), 'success')
  })

  test('an attempt that says nothing about its outcome counts as a failure', () => {
    assert.equal(classifyAuth(row('login_attempt', {username: 'root'})), 'failure')
    assert.equal(classifyAuth(row('authentication')), 'failure')
  })

  test('event types containing login/auth words are auth events', () => {
    assert.equal(classifyAuth(row('http_login', {status: '401'})), 'failure')
    assert.equal(classifyAuth(row('ftp_auth', {result: 'ok'})), 'success')
    assert.equal(classifyAuth(row('author_lookup')), null, 'not a word match')
  })
})
