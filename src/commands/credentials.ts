import {Flags} from '@oclif/core'

import type {CredentialSummary} from '../attackers/index.js'

import {formatCredentialTable, listCredentials} from '../attackers/index.js'
import {withChosenDatabase} from '../cli/chosen-database.js'
import {databaseFlag} from '../cli/database-command.js'
import {DecnetCommand} from '../cli/decnet-command.js'
import {ExitCode} from '../exit-codes.js'

/** `decnet credentials`: what attackers tried to log in with, across every attacker, decky and service. */
export default class Credentials extends DecnetCommand {
  static override description = `Lists the credentials attackers tried (every line carrying DECNET's credential shape: SSH and Telnet auth-helper, FTP, SMTP, IMAP/POP3, MySQL, PostgreSQL, MSSQL, MongoDB, Redis, LDAP, RDP/SMB NTLM, VNC, HTTP Basic/Bearer/Digest and forms, SIP, SNMP, MQTT), one line per (secret kind, secret, principal): how many attempts, how many attackers, deckies and services, whether any attempt was said to succeed, and when it was last seen. The most tried come first; with --reused, only credentials tried on two or more decky:service pairs (credential reuse), the most widespread first.

Secrets are attacker input, shown escaped: hex for hashes and challenge responses (NTLM, MySQL, PostgreSQL, SCRAM, VNC), otherwise text with control bytes and bytes that are not UTF-8 as \\xNN and a backslash as \\\\; a table cuts long ones (the JSON has them whole, and secretB64 has the exact bytes).

With --json, prints an array of {principal, secretKind, secret, secretB64, secretSha256, attempts, attackers, deckies, services, targets, outcome, firstSeen, lastSeen}. See docs/profiles.md.

Exit codes: 0 listed (even none), ${ExitCode.USAGE} a bad flag value or database URL, ${ExitCode.DATABASE} the database could not be opened, reached or migrated.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --reused',
    '<%= config.bin %> <%= command.id %> --service smtp --limit 10',
    '<%= config.bin %> <%= command.id %> --json --db postgres://decnet@db.example/decnet',
  ]

  static override flags = {
    db: databaseFlag,
    limit: Flags.integer({default: 50, min: 1, summary: 'Show at most this many credentials.'}),
    reused: Flags.boolean({default: false, summary: 'Only credentials tried on two or more decky:service pairs, the most widespread first.'}),
    service: Flags.string({helpValue: 'NAME', summary: 'Only what was tried on this service (as logged: ssh, auth-helper, smtp, ...).'}),
  }

  static override summary = 'List the credentials attackers tried, most tried or most reused first.'

  /** Returns the credentials shown; `--json` prints them as is. */
  async run(): Promise<CredentialSummary[]> {
    const {flags} = await this.parse(Credentials)
    const credentials = await withChosenDatabase(this, {access: 'read', flag: flags.db}, (db) =>
      listCredentials(db, {limit: flags.limit, reused: flags.reused, service: flags.service}),
    )
    if (this.jsonEnabled()) return credentials
    if (credentials.length === 0) {
      this.log(
        flags.reused || flags.service !== undefined
          ? 'no credentials match'
          : 'no credentials yet: ingest logs (decnet ingest FILE), then run the profiler (decnet fleet heavy --once)',
      )
    } else {
      this.log(formatCredentialTable(credentials))
      if (credentials.length === flags.limit) this.log(`(the first ${flags.limit}; use --limit to see more)`)
    }

    return credentials
  }
}
