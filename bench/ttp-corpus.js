#!/usr/bin/env node
/**
 * The shipped command rules over the labelled corpus (test/fixtures/ttp-corpus/):
 * recall and precision per ATT&CK tactic, false positives on the benign
 * administration corpus, the commands missed or over-tagged, and the bare
 * matcher's speed over both corpora. With --baseline-rules DIR, the same is
 * measured for another rule pack (e.g. an older checkout's `rules/`) in the
 * same run, interleaved, for a before/after.
 *
 *   node --import tsx bench/ttp-corpus.js [--details] [--baseline-rules DIR] [--reps 5] [--json FILE]
 */
import {writeFileSync} from 'node:fs'
import {performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'

import {readCatalog} from '../src/ttp/attack-catalog.js'
import {Matcher} from '../src/ttp/matcher.js'
import {catalogInUse, loadRules} from '../src/ttp/rule-loader.js'
import {evaluateCorpus, readBenign, readCorpus} from '../test/helpers/ttp-corpus.js'
import {describeMachine, machineHeader} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

const {values} = parseArgs({
  options: {'baseline-rules': {type: 'string'}, details: {default: false, type: 'boolean'}, json: {type: 'string'}, reps: {default: '5', type: 'string'}},
})
const reps = Number(values.reps)
if (!Number.isInteger(reps) || reps < 1) throw new Error(`Expected \`--reps\` to be a positive integer, got \`${values.reps}\``)

const catalog = await readCatalog(catalogInUse())
const current = await loadRules()
if (current.problems.length > 0) throw new Error(`the shipped rules do not all load: ${current.problems.map((p) => p.message).join('; ')}`)
const packs = [{name: 'this pack', rules: current.rules}]
if (values['baseline-rules']) packs.push({name: 'baseline', rules: (await loadRules({shippedDir: values['baseline-rules']})).rules})

const pct = (x) => `${(100 * x).toFixed(1)}%`
const report = evaluateCorpus(new Matcher(current.rules), current.rules, catalog)
const corpus = readCorpus()
const benign = readBenign()
const techniques = new Set(corpus.flatMap((entry) => entry.expected))
const benignTagged = report.benign.filter((b) => b.techniques.length > 0)
const benignOutsideDiscovery = report.benign.filter((b) => b.techniques.some((id) => !isDiscovery(id)))

function isDiscovery(id) {
  return current.rules.some((rule) => rule.emits.some((emit) => (emit.subTechnique ?? emit.technique) === id && emit.tactic === 'TA0007'))
}

/** Bare matcher speed over the attacker and benign commands, for each pack, interleaved; median of reps. */
function speeds() {
  const texts = [...corpus.map((entry) => entry.command), ...benign]
  const matchers = packs.map((pack) => ({...pack, matcher: new Matcher(pack.rules), ms: []}))
  const rounds = Math.max(1, Math.ceil(50_000 / texts.length))
  for (const {matcher} of matchers) for (const text of texts) matcher.hits('command', text)
  for (let rep = 0; rep < reps; rep++) {
    for (const entry of matchers) {
      const start = performance.now()
      for (let round = 0; round < rounds; round++) for (const text of texts) entry.matcher.hits('command', text)
      entry.ms.push(performance.now() - start)
    }
  }

  return matchers.map(({ms, name, rules}) => {
    const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]
    return {commandsPerSecond: Math.round((rounds * texts.length) / (median / 1000)), name, rules: rules.length}
  })
}

const speed = speeds()
const lines = [
  `## ATT&CK command corpus (${new Date().toISOString().slice(0, 10)})`,
  '',
  ...machineHeader(describeMachine()),
  `- corpus: ${corpus.length} attacker commands labelled with ${techniques.size} techniques (${report.total.labelled} command-technique pairs); ${benign.length} benign administration commands`,
  `- ${current.rules.filter((rule) => rule.field === 'command').length} command rules; ATT&CK ${catalog.version}`,
  '',
  markdownTable(
    ['tactic', 'labelled', 'found', 'extra', 'recall', 'precision', 'benign commands tagged'],
    [
      ...report.tactics.map((t) => [`${t.tactic} ${t.name}`, t.labelled, t.found, t.extra, pct(t.recall), pct(t.precision), `${t.benignHits} (${pct(t.benignHits / benign.length)})`]),
      ['all', report.total.labelled, report.total.found, report.total.extra, pct(report.total.recall), pct(report.total.precision), `${benignTagged.length} (${pct(benignTagged.length / benign.length)})`],
    ].map((row) => row.map(String)),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
  ),
  '',
  `Benign commands tagged with something other than Discovery: ${benignOutsideDiscovery.length} of ${benign.length} (${pct(benignOutsideDiscovery.length / benign.length)}).`,
  '',
  markdownTable(['rule pack', 'rules', 'commands/s (bare matcher, both corpora)'], speed.map((s) => [s.name, String(s.rules), s.commandsPerSecond.toLocaleString('en-US')]), ['l', 'r', 'r']),
]
if (values.details) {
  lines.push('', '### Missed or extra techniques', '')
  for (const r of report.results) if (r.missed.length > 0 || r.extra.length > 0) lines.push(`- line ${r.entry.line}: ${JSON.stringify(r.entry.command)} missed [${r.missed.join(', ')}] extra [${r.extra.join(', ')}]`)
  lines.push('', '### Benign commands tagged', '')
  for (const b of benignTagged) lines.push(`- ${JSON.stringify(b.command)}: ${b.techniques.join(', ')} (${b.rules.join(', ')})`)
  lines.push('', '### Techniques with recall below 100%', '')
  for (const [id, t] of [...report.techniques].sort()) if (t.found < t.labelled) lines.push(`- ${id}: ${t.found}/${t.labelled}`)
}

console.log(lines.join('\n'))
if (values.json) writeFileSync(values.json, `${JSON.stringify({speed, tactics: report.tactics, total: report.total}, null, 2)}\n`)
