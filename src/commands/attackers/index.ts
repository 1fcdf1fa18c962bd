import {Flags} from '@oclif/core'

import type {AttackerProfile, AttackerSort} from '../../attackers/index.js'

import {formatAttackerTable, LIST_COMMANDS, pageAttackers} from '../../attackers/index.js'
import {attackerFilter, attackerFilterFlags} from '../../cli/attacker-filter-flags.js'
import {withChosenDatabase} from '../../cli/chosen-database.js'
import {databaseFlag} from '../../cli/database-command.js'
import {DecnetCommand} from '../../cli/decnet-command.js'
import {ExitCode} from '../../exit-codes.js'

/** `decnet attackers`: the attacker profiles the profiler built, filtered, sorted and paged. */
export default class Attackers extends DecnetCommand {
  static override description = `Lists the attackers the profiler (\`decnet fleet heavy\`) has profiled, most recently seen first (see --sort): when they were seen, how many events, authentication attempts and commands, which services and deckies they touched (a traversal shows its path), their most frequent ATT&CK techniques and, when the profiler runs with --geoip-db, their country.

Filters combine (all must hold): --search (part of the IP, or a network), --service, --decky, --technique, --country, --since, --until.

With --json, prints {total, limit, offset, attackers}: total is how many attackers the filters keep, attackers the page's profiles (streamed, so any --limit stays within bounded memory): ip, firstSeen, lastSeen, eventCount, services, deckies, isTraversal, traversalPath, commands (the latest ${LIST_COMMANDS}, {timestamp, decky, service, command}, in time order), commandCount (all of them), authAttempts, techniques ({techniqueId, tactic, count}), country, asn and asName. \`decnet attackers show IP\` gives one attacker whole.

Exit codes: 0 listed (even none), ${ExitCode.USAGE} a bad flag value or database URL, ${ExitCode.DATABASE} the database could not be opened, reached or migrated.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --service ssh --since 24h --sort active',
    '<%= config.bin %> <%= command.id %> --search 203.0.113.0/24 --technique T1110',
    '<%= config.bin %> <%= command.id %> --country CN --limit 100 --offset 100 --json',
    '<%= config.bin %> <%= command.id %> --db postgres://decnet@db.example/decnet',
  ]

  static override flags = {
    ...attackerFilterFlags,
    db: databaseFlag,
    limit: Flags.integer({default: 50, min: 1, summary: 'Show at most this many attackers.'}),
  }

  static override summary = 'List attacker profiles: filter, sort, page.'

  /** Returns how many attackers matched and how many were shown. */
  async run(): Promise<{shown: number; total: number}> {
    const {flags} = await this.parse(Attackers)
    const {filter, networks} = attackerFilter(flags)
    const {limit, offset} = flags
    const sort = flags.sort as AttackerSort
    return withChosenDatabase(this, {access: 'read', flag: flags.db}, async (db) => {
      const {profiles, total} = await pageAttackers(db, {filter, limit, networks, offset, sort})
      let shown = 0
      const counted = async function* (): AsyncGenerator<AttackerProfile> {
        for await (const profile of profiles) {
          shown++
          yield profile
        }
      }

      if (this.jsonEnabled()) {
        await this.printJsonObjectWith({limit, offset, total}, 'attackers', counted())
        return {shown, total}
      }

      const page: AttackerProfile[] = []
      for await (const profile of counted()) page.push(profile)
      if (total === 0) this.log(Object.keys(filter).length > 0 || networks ? 'no attackers match' : 'no attackers yet: ingest logs (decnet ingest FILE), then run the profiler (decnet fleet heavy --once)')
      else if (page.length > 0) this.log(formatAttackerTable(page))
      if (total > offset + page.length || (offset > 0 && total > 0)) this.log(`(${offset + 1}-${offset + page.length} of ${total} attackers; use --limit and --offset to see more)`)
      return {shown, total}
    })
  }
}
