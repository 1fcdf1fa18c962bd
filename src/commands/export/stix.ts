import * as Flags from '@oclif/core/flags'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {exportArgs, exportFlags} from '../../cli/export-flags.js'
import {runExport} from '../../cli/run-export.js'
import {ExitCode} from '../../exit-codes.js'
import {exportStix, STIX_COMMANDS, STIX_CREDENTIALS} from '../../export/export-stix.js'

/** `decnet export stix [IP...]`: a STIX 2.1 bundle of attackers, their techniques and what they left. */
export default class ExportStix extends DecnetCommand {
  static override args = exportArgs
  static override description = `Writes one STIX 2.1 bundle of the attackers decnet profiled (all of them, those named, or those seen in --since/--until), as it reads them: decnet's identity (the producer of every object and where every sighting was made); per attacker an ipv4-addr or ipv6-addr, an observed-data of its activity, a threat-actor and a sighting of it; per technique its attack-pattern (MITRE's STIX id, name, kill chain phases and ATT&CK reference, once per bundle), a \`uses\` relationship and a sighting (first and last tagged line, count); captured files (file with SHA-256, an observed-data each), its latest ${STIX_COMMANDS} commands (process objects) and its ${STIX_CREDENTIALS} most tried credentials (user-account objects); with --indicators, an indicator of its IP that \`indicates\` the actor.

Ids are UUIDv5 of what each object stands for, so an export run twice names its objects the same. The bundle names the ATT&CK release it used (x_decnet_attack_version). See docs/exports.md.

An IP that is not an address, or a bad --since/--until, exits ${ExitCode.USAGE}; an IP never profiled exits ${ExitCode.NOT_FOUND}; a database that cannot be read exits ${ExitCode.DATABASE}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --output decnet.stix.json',
    '<%= config.bin %> <%= command.id %> 203.0.113.7 2001:db8::7 --indicators',
    '<%= config.bin %> <%= command.id %> --since 24h --db postgres://decnet@db.example/decnet -o last-day.stix.json',
  ]

  static override flags = {
    ...exportFlags,
    indicators: Flags.boolean({default: false, summary: 'Add an indicator for each attacker IP (pattern [ipv4-addr:value = ...]) and relate it to the actor.'}),
  }

  static override strict = false
  static override summary = 'Export attackers as a STIX 2.1 bundle.'

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ExportStix)
    await runExport(this, {argv: argv as string[], flags}, (context) => exportStix(context, {indicators: flags.indicators}))
  }
}
