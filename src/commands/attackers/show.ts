import {Args} from '@oclif/core'
import {isIP} from 'node:net'

import type {AttackerDetail} from '../../attackers/index.js'

import {showAttacker} from '../../attackers/index.js'
import {withChosenDatabase} from '../../cli/chosen-database.js'
import {databaseFlag} from '../../cli/database-command.js'
import {DecnetCommand} from '../../cli/decnet-command.js'
import {writeOut} from '../../cli/write-out.js'
import {ExitCode} from '../../exit-codes.js'
import {normaliseIp} from '../../logs/attacker-ip.js'

/** `decnet attackers show IP`: one attacker's whole profile, its commands printed as they are read. */
export default class AttackersShow extends DecnetCommand {
  static override args = {
    ip: Args.string({description: 'The attacker IP address (IPv4 or IPv6).', required: true}),
  }

  static override description = `Shows everything the profiler knows about one attacker: first and last seen, event count, authentication attempts, services, deckies in first-contact order (and the traversal path), its behaviour (class, inter-arrival timing, beacon, tool guesses, phases, OS guess and hops), the credentials it tried (most tried first, secrets escaped: hex for hashes, \\xNN for control bytes), its fingerprints (User-Agent, header quirks, JA3/JA4, HASSH, JARM, ... family by family), the commands it ran in time order, the files DECNET captured, the mail its open relay stored (subject, sender, recipients' domains, attachments with their SHA-256), the mail domains it tried to reach (RCPT TO and accepted messages), the sessions DECNET recorded with the commands that fell inside each, its ATT&CK techniques with how many of its log lines carry each, and last its country and network (enrichment), when known. Services are those it reached: DECNET's sniffer, prober, correlator, tarpit and mutator are left out, and a recorded session counts for its own service (ssh, telnet). Attacker text is escaped (\\xNN for control characters, \\u{NNNN} for bidirectional controls).

With --json, the profile of \`decnet attackers --json\` plus credentials ({principal, secretKind, secret, secretB64, secretSha256, service, decky, domain, outcome, attempts, firstSeen, lastSeen}; the 1,000 most tried), credentialCount, fingerprints ({type, value, count, firstSeen, lastSeen, details}; the 1,000 most seen), fingerprintCount, serviceActivity ({interacted, scanned}: service names), artifacts (captured files: {timestamp, decky, service, sha256, size, path, storedAs, attribution, writer}) and sessions (recorded sessions: {timestamp, decky, id, service, durationS, bytes, truncated, commands, commandCount}), the newest 200 of each, and behavior ({class, serviceCount, timing {eventCount, durationS, meanIatS, medianIatS, stdevIatS, minIatS, maxIatS, cv, unplaced}, beacon {intervalS, jitterPct} or null, toolGuesses, phases, os {guess, hopDistance, tcpFingerprint}, retransmits}, or null), mail ({timestamp, decky, service, msgId, subject, from, mailFrom, recipientCount, recipientDomains, attachmentCount, attachments, size, sha256, truncated, xMailer, storedAs}; the newest 200), mailCount, smtpTargets ({domain, count, messages, firstSeen, lastSeen}; the 200 most tried) and smtpTargetCount; see docs/profiles.md.

An IP that is not an address exits ${ExitCode.USAGE}; an address never seen exits ${ExitCode.NOT_FOUND}.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> 203.0.113.7',
    '<%= config.bin %> <%= command.id %> 2001:db8::7 --json',
  ]

  static override flags = {db: databaseFlag}
  static override summary = "Show one attacker's profile, commands and techniques."

  /**
   * Prints the profile (with `--json`, as JSON) while reading its commands a
   * page at a time, and returns it without them (`commands` is empty; `commandCount` says how many).
   */
  async run(): Promise<AttackerDetail> {
    const {args, flags} = await this.parse(AttackersShow)
    // the spelling ingest stores (IPv6 compressed, lower case), so `2001:DB8:0::7` finds `2001:db8::7`
    const ip = isIP(args.ip.trim()) === 0 ? null : normaliseIp(args.ip.trim())
    if (ip === null) this.error(`Expected an IPv4 or IPv6 address, got \`${args.ip}\``, {exit: ExitCode.USAGE})
    return withChosenDatabase(this, {access: 'read', flag: flags.db}, async (db) => {
      const profile = await showAttacker(db, ip, {format: this.jsonEnabled() ? 'json' : 'text', write: (text) => writeOut(text)})
      this.markPrinted()
      return profile
    })
  }
}
