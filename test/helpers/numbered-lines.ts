/**
 * A numbered test log whose every line is unique and whose fate is known:
 * line `n` is a DECNET login line, except every 97th (junk: rejected) and
 * every 101st (blank: skipped). For the ingest tests that count what was
 * stored after resumes, restarts and rotations.
 */

/** Line `n` (without its newline); `procid` is the RFC 5424 PROCID field (`-` or a number). */
export function numberedLine(n: number, tag = 'a', procid = '-'): string {
  if (n % 101 === 0) return ''
  if (n % 97 === 0) return `junk ${tag} ${n}`
  const second = String(n % 60).padStart(2, '0')
  return `<38>1 2026-11-26T13:32:${second}.000Z decky-${n % 4} ssh ${procid} login_failed [relay@55555 src_ip="192.0.2.${n % 200}"] ${tag} attempt ${n}`
}

/** Lines `from`..`to`, each ending in a newline. */
export function numberedLines(from: number, to: number, tag = 'a', procid = '-'): string {
  return Array.from({length: to - from + 1}, (_, i) => `${numberedLine(from + i, tag, procid)}\n`).join('')
}

/** What lines `from`..`to` store: [rows in logs, rows in rejected_lines]. */
export function storedCounts(from: number, to: number): [number, number] {
  let logs = 0
  let rejected = 0
  for (let n = from; n <= to; n++) {
    if (n % 101 === 0) continue
    if (n % 97 === 0) rejected++
    else logs++
  }

  return [logs, rejected]
}
