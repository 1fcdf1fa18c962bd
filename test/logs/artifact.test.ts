import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {extractArtifact, isArtifactEventType, MAX_ARTIFACT_TEXT} from '../../src/logs/artifact.js'
import {activityOf} from '../../src/logs/activity.js'

const HOSTILE = 'a\u0000b\u001b[2J\ud800"]\\'

describe('extractArtifact', () => {
  it('reads DECNET\'s file_captured fields', () => {
    assert.deepEqual(
      extractArtifact('file_captured', {
        stored_as: '2025-03-02T10:18:09Z_5d41402abc4b_x.sh', sha256: '5D41402ABC4B2A76B9719D911017C592AA11BB22CC33DD44EE55FF6677889900', size: '412',
        orig_path: '/tmp/x.sh', src_ip: '198.51.100.23', attribution: 'pid-chain', writer_pid: '4377', writer_comm: 'wget', writer_uid: '0',
      }),
      {
        kind: 'file', sha256: '5d41402abc4b2a76b9719d911017c592aa11bb22cc33dd44ee55ff6677889900', size: 412, path: '/tmp/x.sh',
        storedAs: '2025-03-02T10:18:09Z_5d41402abc4b_x.sh', attribution: 'pid-chain', writer: {comm: 'wget', pid: 4377, uid: 0},
      },
    )
  })

  it('reads DECNET\'s session_recorded fields', () => {
    assert.deepEqual(
      extractArtifact('session_recorded', {sid: '3f9c2a1e', service: 'ssh', src_ip: '-', duration_s: '283.117', bytes: '18234', truncated: 'false'}),
      {kind: 'session', id: '3f9c2a1e', service: 'ssh', durationS: 283.117, bytes: 18234, truncated: false},
    )
  })

  it('bounds hostile values, makes them storable, and drops malformed numbers and hashes', () => {
    const file = extractArtifact('File-Captured', {
      sha256: 'zz'.repeat(32), size: '-1', orig_path: HOSTILE.repeat(200), attribution: HOSTILE, writer_pid: '1e9', writer_uid: '99999999999999999999', writer_comm: '',
    })
    assert.ok(file !== null && file.kind === 'file')
    assert.equal(file.sha256, null)
    assert.equal(file.size, null)
    assert.deepEqual(file.writer, {comm: null, pid: null, uid: null})
    assert.ok(file.path!.length <= MAX_ARTIFACT_TEXT)
    assert.equal(file.attribution, 'a\ufffdb\u001b[2J\ufffd"]\\')
    const session = extractArtifact('session_recorded', {duration_s: 'NaN', bytes: 'x', truncated: 'maybe', sid: {}})
    assert.deepEqual(session, {kind: 'session', id: null, service: null, durationS: null, bytes: null, truncated: null})
  })

  it('names no artifact for other event types', () => {
    assert.equal(extractArtifact('command', {sha256: 'ab'.repeat(32)}), null)
    assert.equal(isArtifactEventType('Session.Recorded'), true)
    assert.equal(isArtifactEventType('session_skipped'), false)
  })
})

describe('activityOf (DECNET\'s event-kind buckets)', () => {
  it('tells interactions, scans and noise apart, and leaves DECNET\'s own producers out', () => {
    assert.equal(activityOf('ssh', 'command'), 'interaction')
    assert.equal(activityOf('smtp_relay', 'RCPT-TO'), 'interaction')
    assert.equal(activityOf('ftp', 'download_attempt'), 'interaction')
    assert.equal(activityOf('ssh', 'auth_attempt'), 'scan')
    assert.equal(activityOf('http', 'request'), 'scan')
    assert.equal(activityOf('mysql', 'startup'), 'noise')
    assert.equal(activityOf('smtp', 'unknown_command'), 'noise')
    assert.equal(activityOf('sniffer', 'tcp_syn_fingerprint'), 'noise')
    assert.equal(activityOf('prober', 'jarm_fingerprint'), 'noise')
    assert.equal(activityOf('-', 'command'), 'noise')
  })
})
