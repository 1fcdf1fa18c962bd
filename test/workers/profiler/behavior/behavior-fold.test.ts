import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {BehaviorLine} from '../../../../src/workers/profiler/behavior/behavior-fold.js'
import {BehaviorFold, logicalService} from '../../../../src/workers/profiler/behavior/behavior-fold.js'

const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 12) + s * 1000).toISOString()

function foldAll(lines: readonly BehaviorLine[], cut: readonly number[] = []): BehaviorFold {
  let fold = BehaviorFold.from()
  lines.forEach((line, i) => {
    fold.see(line)
    if (cut.includes(i)) fold = BehaviorFold.from(JSON.stringify(fold.toJson())) // a tick boundary: through the stored text
  })
  return fold
}

describe('BehaviorFold', () => {
  it('classifies a 60-second beacon and guesses its framework, whatever the batch bounds', () => {
    const lines: BehaviorLine[] = Array.from({length: 20}, (_, i) => ({activity: 'scan', id: i + 1, service: 'http', timestamp: at(i * 60 + (i % 2) * 12)}))
    const whole = foldAll(lines)
    const cut = foldAll(lines, [0, 3, 4, 11])
    assert.deepEqual(cut.profile(), whole.profile())
    assert.deepEqual(cut.toJson(), whole.toJson())
    const profile = whole.profile()
    assert.equal(profile.class, 'beaconing')
    assert.deepEqual(profile.beacon, {intervalS: 60.632, jitterPct: 19.76})
    assert.equal(profile.timing.cv, 0.1976)
    assert.ok(profile.toolGuesses.includes('cobalt_strike'), profile.toolGuesses.join())
  })

  it('leaves DECNET\'s sniffer, prober and noise out of timing and services, and folds its helpers into one service', () => {
    assert.equal(logicalService('auth-helper'), logicalService('ssh'))
    assert.equal(logicalService('sessrec', 'telnet'), 'shell')
    const lines: BehaviorLine[] = [
      ...Array.from({length: 10}, (_, i): BehaviorLine => ({activity: 'scan', id: i + 1, service: 'auth-helper', timestamp: at(i * 2)})),
      {activity: 'interaction', id: 11, service: 'bash', timestamp: at(20)},
      {id: 12, service: 'sniffer', signal: {hop: 12, os: 'linux', retransmits: 2, ttl: 52}, timestamp: at(31)},
      {id: 13, service: 'sniffer', signal: {hop: 14, os: 'nmap', ttl: 50}, timestamp: at(32)},
      {id: 14, service: 'sniffer', signal: {hop: 12, os: 'linux', retransmits: 1}, timestamp: at(33)},
    ]
    const profile = foldAll(lines).profile()
    assert.equal(profile.timing.eventCount, 11)
    assert.equal(profile.serviceCount, 1)
    assert.equal(profile.class, 'brute_force')
    assert.deepEqual(profile.os, {guess: 'linux', hopDistance: 12, tcpFingerprint: null})
    assert.equal(profile.retransmits, 3)
    assert.equal(profile.toolGuesses[0], 'nmap')
    assert.deepEqual(profile.phases, {
      actionEnd: at(20), actionStart: at(20), exfilLatencyS: 2, largePayloads: 0, reconEnd: at(18), reconStart: at(0),
    })
  })

  it('keeps the TCP snapshot of the latest SYN by event time, not by arrival', () => {
    const snapshot = (window: number) => ({dscp: 0, ecn: 0, has_sack: true, has_timestamps: true, mss: 1460, options_sig: 'M', tos: 0, window, wscale: 7})
    const late: BehaviorLine = {id: 2, service: 'sniffer', signal: {ipid: 'incremental', tcp: snapshot(1)}, timestamp: at(100)}
    const early: BehaviorLine = {id: 3, service: 'sniffer', signal: {ipid: 'random', tcp: snapshot(2)}, timestamp: at(50)}
    for (const order of [[late, early], [early, late]]) {
      assert.deepEqual(foldAll(order).profile().os.tcpFingerprint, {...snapshot(1), ipid_class: 'incremental'})
    }
  })

  it('guesses the OS from the modal TTL when the sniffer gave no label', () => {
    const lines: BehaviorLine[] = [118, 118, 60].map((ttl, i) => ({id: i + 1, service: 'prober', signal: {hop: 128 - ttl, ttl}, timestamp: at(i)}))
    assert.deepEqual(foldAll(lines).profile().os, {guess: 'windows', hopDistance: 10, tcpFingerprint: null})
  })
})
