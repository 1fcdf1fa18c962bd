import {Flags} from '@oclif/core'

import type {AttackerProfile} from '../../attackers/index.js'

import {BEHAVIOR_CLASSES, countAttackers, formatAttackerTable, LIST_COMMANDS, listAttackers} from '../../attackers/index.js'
import {withChosenDatabase} from '../../cli/chosen-database.js'
import {databaseFlag} from '../../cli/database-command.js'
import {DecnetCommand} from '../../cli/decnet-command.js'

/** `decnet attackers`: the attacker profiles the profiler built, most recently seen first. */
export default class Attackers extends DecnetCommand {
  static override description = `Lists the attackers the profiler (\`decnet fleet heavy\`) has profiled, most recently seen first: when they were seen, how many events, authentication attempts and commands, which services and deckies they touched (a traversal shows its path) and their most frequent ATT&CK techniques.

With --json, prints an array of profiles: ip, firstSeen, lastSeen, eventCount, services, deckies, isTraversal, traversalPath, commands (the latest ${LIST_COMMANDS}, {timestamp, decky, service, command}, in time order), commandCount (all of them), authAttempts, techniques ({techniqueId, tactic, count}) and behaviorClass (null before the profiler has classified it). --behavior CLASS lists only the attackers of that class. \`decnet attackers show IP\` lists every command.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --limit 10 --json',
    '<%= config.bin %> <%= command.id %> --behavior beaconing',
    '<%= config.bin %> <%= command.id %> --db postgres://decnet@db.example/decnet',
  ]

  static override flags = {
    behavior: Flags.string({options: [...BEHAVIOR_CLASSES], summary: 'Only attackers of this behaviour class.'}),
    db: databaseFlag,
    limit: Flags.integer({default: 50, min: 1, summary: 'Show at most this many attackers.'}),
  }

  static override summary = 'List attacker profiles, most recently seen first.'

  /** Returns the profiles shown; `--json` prints them as is. */
  async run(): Promise<AttackerProfile[]> {
    const {flags} = await this.parse(Attackers)
    const [profiles, total] = await withChosenDatabase(this, {access: 'read', flag: flags.db}, (db) => Promise.all([listAttackers(db, {behavior: flags.behavior, limit: flags.limit}), countAttackers(db, flags.behavior)]))
    if (this.jsonEnabled()) {
      await this.printJsonArray(profiles)
      return profiles
    }

    if (total === 0 && flags.behavior !== undefined) {
      this.log(`no attackers of behaviour class ${flags.behavior}`)
    } else if (total === 0) {
      this.log('no attackers yet: ingest logs (decnet ingest FILE), then run the profiler (decnet fleet heavy --once)')
    } else {
      this.log(formatAttackerTable(profiles))
      if (total > profiles.length) this.log(`(${profiles.length} of ${total} attackers; use --limit to see more)`)
    }

    return profiles
  }
}
