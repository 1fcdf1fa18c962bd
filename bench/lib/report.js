/**
 * Turns the measurements into the markdown report: one table (figures and
 * ratios), the targets with pass/fail, the methods and the raw samples.
 */
import {markdownTable} from './markdown-table.js'
import {fixed, mean, median, mib, ratio, samples} from './stats.js'

const KB_PER_MB = 1024

/** Summary figures of one system at one fleet size (NaN where not measured). */
export function summarise(result) {
  const steady = result?.steady
  const children = steady?.memory.children ?? []
  const child = (field) => mean(children.map((m) => m[field]))
  return {
    childPss: child('pss'),
    childRss: child('rss'),
    childUss: child('uss'),
    soakChildUss: mean((steady?.memory.soak?.children ?? []).map((m) => m.uss)),
    soakMasterUss: steady?.memory.soak?.master.uss ?? Number.NaN,
    childrenCpuMs: steady?.cpu.childrenMs ?? Number.NaN,
    crashMax: Math.max(...(steady?.crashMs ?? [Number.NaN])),
    crashMs: median(steady?.crashMs ?? []),
    masterCpuMs: steady?.cpu.masterMs ?? Number.NaN,
    masterCpuPct: steady ? (steady.cpu.masterMs / steady.cpu.windowMs) * 100 : Number.NaN,
    masterPss: steady?.memory.master.pss ?? Number.NaN,
    masterRss: steady?.memory.master.rss ?? Number.NaN,
    masterUss: steady?.memory.master.uss ?? Number.NaN,
    readyMs: median(result?.ready ?? []),
    stopMs: median((result?.stops ?? []).map((s) => s.ms)),
    warmReadyMs: median(result?.warm ?? []),
  }
}

/** The figures table: one row per metric and fleet size, one column per system, then ratios. */
export function figuresTable(sizes, results, idleS, soakS = 0) {
  const rows = []
  const metrics = [
    ['start → all ready, ms (median)', 'readyMs', (v) => fixed(v, 0)],
    ['  PM2 warm start (daemon already up), ms', 'warmReadyMs', (v) => fixed(v, 0)],
    ['child USS, MiB (avg)', 'childUss', mib],
    ['child PSS, MiB (avg)', 'childPss', mib],
    ['child RSS, MiB (avg)', 'childRss', mib],
    ...(soakS > 0 ? [[`  child USS ${soakS} s later, MiB (avg)`, 'soakChildUss', mib]] : []),
    ['master USS, MiB', 'masterUss', mib],
    ['master PSS, MiB', 'masterPss', mib],
    ['master RSS, MiB', 'masterRss', mib],
    ...(soakS > 0 ? [[`  master USS ${soakS} s later, MiB`, 'soakMasterUss', mib]] : []),
    ['crash → detected, ms (median)', 'crashMs', (v) => fixed(v, 2)],
    ['crash → detected, ms (max)', 'crashMax', (v) => fixed(v, 2)],
    ['SIGTERM → all exited, ms (median)', 'stopMs', (v) => fixed(v, 1)],
    [`master idle CPU over ${idleS} s, ms`, 'masterCpuMs', (v) => fixed(v, 0)],
    [`master idle CPU over ${idleS} s, %`, 'masterCpuPct', (v) => fixed(v, 2)],
    [`children idle CPU over ${idleS} s (sum), ms`, 'childrenCpuMs', (v) => fixed(v, 0)],
  ]
  for (const size of sizes) {
    const bare = summarise(results[size]?.bare)
    const decnet = summarise(results[size]?.decnet)
    const pm2 = summarise(results[size]?.pm2)
    for (const [title, key, format] of metrics) {
      if (key === 'warmReadyMs' && !Number.isFinite(pm2[key])) continue
      rows.push([title, String(size), format(bare[key]), format(decnet[key]), format(pm2[key]),
        ratio(decnet[key], bare[key]), ratio(pm2[key], bare[key]), ratio(decnet[key], pm2[key])])
    }
  }
  return markdownTable(
    ['metric', 'fleet', 'bare node:cluster', 'decnet', 'PM2 cluster', 'decnet ÷ bare', 'PM2 ÷ bare', 'decnet ÷ PM2'],
    rows.map((row) => row.map((cell) => (cell === 'n/a' ? '–' : cell))),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  )
}

/** The targets of the issue, evaluated on decnet's figures: [{name, pass, detail}]. */
export function evaluateTargets(sizes, results, {cpuLimitPct}) {
  const targets = []
  const at = (size, key) => summarise(results[size]?.[key])
  const verdict = (name, pass, detail) => targets.push({detail, name, pass: Number.isNaN(pass) ? null : pass})
  for (const size of sizes) {
    const d = at(size, 'decnet')
    const b = at(size, 'bare')
    const diff = d.childUss - b.childUss
    verdict(`fleet ${size}: decnet child USS within 1 MB of a bare cluster worker`, Number.isFinite(diff) ? diff <= KB_PER_MB : Number.NaN,
      `${mib(d.childUss)} vs ${mib(b.childUss)} MiB (${diff >= 0 ? '+' : ''}${fixed(diff, 0)} kB)`)
    if (Number.isFinite(d.soakChildUss)) {
      const later = d.soakChildUss - b.soakChildUss
      verdict(`fleet ${size}: …and still within 1 MB after the soak`, Number.isFinite(later) ? later <= KB_PER_MB : Number.NaN,
        `${mib(d.soakChildUss)} vs ${mib(b.soakChildUss)} MiB (${later >= 0 ? '+' : ''}${fixed(later, 0)} kB)`)
    }
    verdict(`fleet ${size}: crash detected within 10 ms (median)`, Number.isFinite(d.crashMs) ? d.crashMs <= 10 : Number.NaN,
      `median ${fixed(d.crashMs, 2)} ms, max ${fixed(d.crashMax, 2)} ms`)
    verdict(`fleet ${size}: master idle CPU near zero (≤ ${cpuLimitPct}% of one CPU)`, Number.isFinite(d.masterCpuPct) ? d.masterCpuPct <= cpuLimitPct : Number.NaN,
      `${fixed(d.masterCpuMs, 0)} ms = ${fixed(d.masterCpuPct, 2)}%`)
  }
  if (sizes.includes(8)) {
    const d = at(8, 'decnet')
    verdict('fleet 8: idle fleet stopped within 100 ms (median)', Number.isFinite(d.stopMs) ? d.stopMs < 100 : Number.NaN, `median ${fixed(d.stopMs, 1)} ms`)
  }
  if (sizes.includes(2)) {
    const d = at(2, 'decnet')
    const p = at(2, 'pm2')
    verdict('fleet 2: ready in under half the time PM2 takes (cold start)', Number.isFinite(d.readyMs / p.readyMs) ? d.readyMs < p.readyMs / 2 : Number.NaN,
      `${fixed(d.readyMs, 0)} ms vs PM2 ${fixed(p.readyMs, 0)} ms (${ratio(d.readyMs, p.readyMs)}); PM2 warm ${fixed(p.warmReadyMs, 0)} ms (${ratio(d.readyMs, p.warmReadyMs)})`)
  }
  return targets
}

/** The targets as markdown lines. */
export function targetLines(targets) {
  const mark = (pass) => (pass === null ? 'NOT MEASURED' : pass ? 'PASS' : 'FAIL')
  return targets.map((t) => `- **${mark(t.pass)}** ${t.name}: ${t.detail}`)
}

/** Raw samples per system and size, for the details section. */
export function sampleLines(sizes, results, systems) {
  const lines = []
  for (const size of sizes) {
    for (const system of systems) {
      const r = results[size]?.[system.key]
      if (!r) continue
      const parts = [`ready [${samples(r.ready, 0)}] ms`, `stop [${samples(r.stops.map((s) => s.ms), 1)}] ms`]
      if (r.warm?.length) parts.push(`warm ready [${samples(r.warm, 0)}] ms`)
      if (r.steady) parts.push(`crash [${samples(r.steady.crashMs, 2)}] ms`, `child USS [${r.steady.memory.children.map((m) => m.uss).join(', ')}] kB`)
      if (r.steady?.childUids) parts.push(`children uid ${r.steady.childUids.join(', ')}`)
      const codes = [...new Set(r.stops.map((s) => `${s.code ?? '-'}/${s.signal ?? '-'}`))]
      parts.push(`exit code/signal after SIGTERM ${codes.join(', ')}`)
      lines.push(`- ${system.label}, fleet ${size}: ${parts.join('; ')}`)
    }
  }
  return lines
}
