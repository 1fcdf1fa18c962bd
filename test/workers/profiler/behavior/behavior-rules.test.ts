import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {beaconOf, classifyBehavior} from '../../../../src/workers/profiler/behavior/behavior-class.js'
import {BehaviorReader} from '../../../../src/workers/profiler/behavior/behavior-signal.js'
import {cadenceTools, headerTools, toolGuesses} from '../../../../src/workers/profiler/behavior/tool-guesses.js'

describe('classifyBehavior', () => {
  const c = (eventCount: number, meanIatS: null | number, cv: null | number, services: number) => classifyBehavior({cv, eventCount, meanIatS, services})
  it('applies DECNET\'s rules in the order its code runs', () => {
    assert.equal(c(2, 1, 0.1, 1), 'unknown')
    assert.equal(c(10, null, null, 1), 'unknown')
    assert.equal(c(4, 10, 0.1, 2), 'slow_scan') // before beaconing
    assert.equal(c(3, 10, 0.1, 2), 'mixed') // slow_scan needs 4
    assert.equal(c(5, 9.9, 1, 3), 'scanning')
    assert.equal(c(5, 1.9, 1, 2), 'scanning')
    assert.equal(c(8, 4.9, 0.59, 1), 'brute_force')
    assert.equal(c(7, 4.9, 0.59, 1), 'interactive') // too few for brute force; cv >= 0.5, m < 5, n >= 6
    assert.equal(c(4, 5, 0.34, 1), 'beaconing')
    assert.equal(c(4, 5, 0.35, 1), 'mixed')
    assert.equal(c(6, 4, 0.5, 2), 'interactive')
    assert.equal(c(5, 4, 0.5, 2), 'mixed')
    assert.equal(c(9, 0, null, 1), 'mixed') // every event at one instant: no cv
  })

  it('reads a beacon off a beaconing class only: the mean and cv as a percentage', () => {
    assert.deepEqual(beaconOf('beaconing', 60.5, 0.1234), {intervalS: 60.5, jitterPct: 12.34})
    assert.equal(beaconOf('mixed', 60, 0.1), null)
  })
})

describe('tool guesses', () => {
  it('matches every cadence profile within its tolerances, from four events on', () => {
    assert.deepEqual(cadenceTools(10, 60, 0.22), ['cobalt_strike', 'sliver'])
    assert.deepEqual(cadenceTools(10, 45, 0.1), ['havoc'])
    assert.deepEqual(cadenceTools(10, 30, 0.15), ['mythic'])
    assert.deepEqual(cadenceTools(3, 60, 0.2), [])
    assert.deepEqual(cadenceTools(10, 60, null), [])
  })

  it('matches header signatures case-insensitively, `^` only at the start', () => {
    assert.deepEqual(headerTools('Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', undefined), ['nmap'])
    assert.deepEqual(headerTools('CURL/8.5.0', undefined), ['curl'])
    assert.deepEqual(headerTools('x curl/8.5.0', undefined), [])
    assert.deepEqual(headerTools('sqlmap/1.7 python-requests', 'GoPhish'), ['gophish', 'sqlmap', 'python_requests'])
  })

  it('lists nmap first, then cadences, then headers, once each', () => {
    assert.deepEqual(toolGuesses(true, ['sliver'], ['nmap', 'curl']), ['nmap', 'sliver', 'curl'])
  })
})

describe('BehaviorReader', () => {
  const reader = new BehaviorReader()
  it('reads tools from JSON and Python-repr headers, and from a stored mail\'s X-Mailer', () => {
    assert.deepEqual(reader.read('request', JSON.stringify({headers: JSON.stringify({'User-Agent': 'sqlmap/1.7'})})), {tools: ['sqlmap']})
    assert.deepEqual(reader.read('request', JSON.stringify({headers: "{'Host': 'x', 'user-agent': 'Nikto/2.5'}"})), {tools: ['nikto']})
    assert.deepEqual(reader.read('message_stored', JSON.stringify({x_mailer: 'gophish'})), {tools: ['gophish']})
    assert.equal(reader.read('request', JSON.stringify({headers: '{"User-Agent": "Mozilla/5.0"}'})), undefined)
  })

  it('reads a sniffer SYN: OS label, TTL, hops, the TCP snapshot, sequence classes', () => {
    const fields = {
      dscp: '0', ecn: '0', has_sack: 'true', has_timestamps: 'true', hop_distance: '12', ipid_class: 'unknown', isn_class: 'random', mss: '1460',
      options_sig: 'M,S,T,N,W', os_guess: 'linux', tos: '0', ttl: '52', window: '64240', wscale: '7',
    }
    assert.deepEqual(reader.read('tcp_syn_fingerprint', JSON.stringify(fields)), {
      hop: 12, isn: 'random', os: 'linux', ttl: 52,
      tcp: {dscp: 0, ecn: 0, has_sack: true, has_timestamps: true, mss: 1460, options_sig: 'M,S,T,N,W', tos: 0, window: 64240, wscale: 7},
    })
  })

  it('reads a prober tcpfp (hops from the TTL), flow retransmits and large payloads', () => {
    const tcpfp = reader.read('tcpfp_fingerprint', JSON.stringify({sack_ok: '1', timestamp: '0', ttl: '118', window_scale: '-1', window_size: '8192', options_order: 'M,N,W'}))
    assert.equal(tcpfp?.hop, 10)
    assert.equal(tcpfp?.tcp?.wscale, null)
    assert.equal(tcpfp?.tcp?.has_sack, true)
    assert.deepEqual(reader.read('tcp_flow_timing', '{"retransmits":"3","bytes":"100"}'), {retransmits: 3})
    assert.deepEqual(reader.read('http_access', '{"bytes":"1048576"}'), {largePayload: true})
    assert.equal(reader.read('http_access', '{"bytes":"1048575"}'), undefined)
    assert.equal(reader.read('connect', '{"src_ip":"192.0.2.1"}'), undefined)
  })
})
