/**
 * What a User-Agent says of the client (DECNET-EVENTS.md §2a.3): a category,
 * the tool when the category names one, and signals of a forged or hostile
 * value. Every check is case-insensitive; the first category that matches wins.
 */

/** A User-Agent's class. */
export interface UserAgentClass {
  /** `empty`, `scanner`, `cli`, `library`, `bot`, `browser` or `nonstandard`. */
  category: string
  /** The tool, lower-case (`nmap`, `curl`, `python-requests`), or null. */
  tool: null | string
  /** `suspicious_short`, `suspicious_long`, `nonprintable`, `injection_like`: those that apply, in that order. */
  signals: string[]
}

const SCANNERS = [
  'nmap', 'masscan', 'zgrab', 'zmap', 'nuclei', 'sqlmap', 'gobuster', 'dirb', 'dirbuster', 'nikto', 'feroxbuster', 'wfuzz', 'ffuf',
  'wpscan', 'katana', 'burp', 'acunetix', 'nessus', 'openvas', 'arachni', 'whatweb', 'wappalyzer', 'sploitscan',
] as const
// a scanner's name as a whole word (DECNET: `\b` on both sides)
const SCANNER = new RegExp(`\\b(${SCANNERS.join('|')})\\b`, 'i')

/** [pattern, tool] in order: the first that matches names the tool. */
const CLI: ReadonlyArray<readonly [RegExp, string]> = [
  [/^curl\//i, 'curl'], [/^wget\//i, 'wget'], [/^httpie\//i, 'httpie'], [/^xh\//i, 'xh'], [/^fetch\//i, 'fetch'],
]
const LIBRARIES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^python-requests\//i, 'python-requests'], [/^aiohttp\//i, 'aiohttp'], [/^httpx\//i, 'httpx'], [/^(?:python-)?urllib\//i, 'urllib'],
  [/^python\/\d/i, 'python-stdlib'], [/^go-http-client\//i, 'go-stdlib'], [/^go-resty\//i, 'go-resty'], [/^java\/\d/i, 'java-stdlib'],
  [/^okhttp\//i, 'okhttp'], [/^apache-httpclient\//i, 'apache-httpclient'], [/^jersey\//i, 'jersey'], [/^axios\//i, 'axios'],
  [/^node-fetch\//i, 'node-fetch'], [/^got(?:\/| \()/i, 'got'], [/^undici/i, 'undici'], [/^php\/\d/i, 'php-stdlib'],
  [/^ruby\b/i, 'ruby-stdlib'], [/^faraday/i, 'faraday'], [/^httparty/i, 'httparty'], [/^postmanruntime\//i, 'postman'],
  [/^insomnia\//i, 'insomnia'], [/guzzlehttp\//i, 'guzzle'], [/^\.net\//i, 'dotnet'], [/system\.net\.http|restsharp\//i, 'dotnet'],
]
const BOT = /bot|crawler|spider|slurp|monitor/i
const BROWSER = /^mozilla\/\d/i
const INJECTION = ['<script', "';", "' or '", "' or 1", '1=1', "' --", '/../', '/etc/passwd', '${jndi:', '{{'] as const
// a control character other than tab (C0 and DEL; C1 counts too: no client sends it)
const NONPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/

/**
 * Classifies a User-Agent value.
 *
 * @example
 * ```ts
 * classifyUserAgent('sqlmap/1.7#stable (https://sqlmap.org)') // {category: 'scanner', tool: 'sqlmap', signals: []}
 * ```
 */
export function classifyUserAgent(ua: string): UserAgentClass {
  if (ua === '') return {category: 'empty', signals: [], tool: null}
  const signals: string[] = []
  if (ua.length < 8) signals.push('suspicious_short')
  if (ua.length > 512) signals.push('suspicious_long')
  if (NONPRINTABLE.test(ua)) signals.push('nonprintable')
  const lower = ua.toLowerCase()
  if (INJECTION.some((needle) => lower.includes(needle))) signals.push('injection_like')
  const scanner = SCANNER.exec(ua)
  if (scanner !== null) return {category: 'scanner', signals, tool: scanner[1].toLowerCase()}
  for (const [pattern, tool] of CLI) if (pattern.test(ua)) return {category: 'cli', signals, tool}
  for (const [pattern, tool] of LIBRARIES) if (pattern.test(ua)) return {category: 'library', signals, tool}
  if (BOT.test(ua)) return {category: 'bot', signals, tool: null}
  if (BROWSER.test(ua)) return {category: 'browser', signals, tool: null}
  return {category: 'nonstandard', signals, tool: null}
}
