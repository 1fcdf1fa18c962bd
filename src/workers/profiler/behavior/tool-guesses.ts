/**
 * Which tool an attacker may be: C2 cadence profiles (by mean inter-arrival
 * and cv) and header signatures (User-Agent, X-Mailer). The profiles and
 * patterns are DECNET's (its tools table). Pure.
 */

/** A C2 framework's beacon cadence: interval ± tolerance (seconds), cv ± tolerance. */
interface Cadence {
  tool: string
  intervalS: number
  intervalTolerance: number
  cv: number
  cvTolerance: number
}

const CADENCES: readonly Cadence[] = Object.freeze([
  {cv: 0.2, cvTolerance: 0.05, intervalS: 60, intervalTolerance: 8, tool: 'cobalt_strike'},
  {cv: 0.3, cvTolerance: 0.08, intervalS: 60, intervalTolerance: 10, tool: 'sliver'},
  {cv: 0.1, cvTolerance: 0.03, intervalS: 45, intervalTolerance: 8, tool: 'havoc'},
  {cv: 0.15, cvTolerance: 0.03, intervalS: 30, intervalTolerance: 6, tool: 'mythic'},
])

/** Events a cadence needs before it is guessed (three gaps): two events always have a cv of 0. */
export const CADENCE_MIN_EVENTS = 4

/** A header signature: the tool, the (lower-case) header, and a pattern (`^`: at the start; else anywhere; both case-insensitive). */
interface HeaderSignature {
  tool: string
  header: 'user-agent' | 'x-mailer'
  pattern: string
}

/** In this order, which is the order guesses are listed in. */
const HEADER_SIGNATURES: readonly HeaderSignature[] = Object.freeze([
  {header: 'user-agent', pattern: 'nmap scripting engine', tool: 'nmap'},
  {header: 'x-mailer', pattern: 'gophish', tool: 'gophish'},
  {header: 'user-agent', pattern: 'nikto', tool: 'nikto'},
  {header: 'user-agent', pattern: 'sqlmap', tool: 'sqlmap'},
  {header: 'user-agent', pattern: 'nuclei', tool: 'nuclei'},
  {header: 'user-agent', pattern: 'masscan', tool: 'masscan'},
  {header: 'user-agent', pattern: 'zgrab', tool: 'zgrab'},
  {header: 'user-agent', pattern: 'metasploit', tool: 'metasploit'},
  {header: 'user-agent', pattern: '^curl/', tool: 'curl'},
  {header: 'user-agent', pattern: 'python-requests', tool: 'python_requests'},
  {header: 'user-agent', pattern: 'gobuster', tool: 'gobuster'},
  {header: 'user-agent', pattern: 'dirbuster', tool: 'dirbuster'},
  {header: 'user-agent', pattern: 'hydra', tool: 'hydra'},
  {header: 'user-agent', pattern: 'wfuzz', tool: 'wfuzz'},
])

/** Every tool a header signature names, in table order. */
export const HEADER_TOOLS: readonly string[] = Object.freeze([...new Set(HEADER_SIGNATURES.map((s) => s.tool))])

/** The C2 frameworks whose cadence matches (all of them, in table order); none below {@link CADENCE_MIN_EVENTS} events. */
export function cadenceTools(eventCount: number, meanIatS: null | number, cv: null | number): string[] {
  if (eventCount < CADENCE_MIN_EVENTS || meanIatS === null || cv === null) return []
  return CADENCES.filter((c) => Math.abs(meanIatS - c.intervalS) <= c.intervalTolerance && Math.abs(cv - c.cv) <= c.cvTolerance).map((c) => c.tool)
}

/** The tools whose signature a User-Agent and an X-Mailer value (either may be absent) match, in table order. */
export function headerTools(userAgent: string | undefined, mailer: string | undefined): string[] {
  const found: string[] = []
  for (const {header, pattern, tool} of HEADER_SIGNATURES) {
    const value = (header === 'user-agent' ? userAgent : mailer)?.toLowerCase()
    if (value === undefined) continue
    if (pattern.startsWith('^') ? value.startsWith(pattern.slice(1)) : value.includes(pattern)) found.push(tool)
  }

  return found
}

/**
 * The guesses, without duplicates: `nmap` first when a SYN looked like nmap,
 * then cadence matches, then header matches (each in table order).
 */
export function toolGuesses(nmapSyn: boolean, cadence: readonly string[], headers: readonly string[]): string[] {
  return [...new Set([...(nmapSyn ? ['nmap'] : []), ...cadence, ...headers])]
}
