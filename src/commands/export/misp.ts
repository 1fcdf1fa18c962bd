import * as Flags from '@oclif/core/flags'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {exportArgs, exportFlags} from '../../cli/export-flags.js'
import {runExport} from '../../cli/run-export.js'
import {ExitCode} from '../../exit-codes.js'
import {exportMisp, MISP_COMMANDS, MISP_CREDENTIALS} from '../../export/export-misp.js'

/** `decnet export misp [IP...]`: MISP event JSON of attackers, with ATT&CK galaxy tags. */
export default class ExportMisp extends DecnetCommand {
  static override args = exportArgs
  static override description = `Writes the attackers decnet profiled (all of them, those named, or those seen in --since/--until) as MISP event JSON, as it reads them: one event for the set ({"Event": ...}), or with --per-attacker one event each ({"response": [{"Event": ...}, ...]}). Each attacker gives an ip-src attribute (to_ids, first and last seen, tagged with its techniques), a filename|sha256 (or sha256) attribute per captured file, its latest ${MISP_COMMANDS} commands as text attributes (not to_ids), and a credential object for each of its ${MISP_CREDENTIALS} most tried credentials; every technique becomes a galaxy tag misp-galaxy:mitre-attack-pattern="<name> - <ID>", and the event is tagged with the ATT&CK release used (decnet:attack-version="18.1"). See docs/exports.md.

An IP that is not an address, or a bad --since/--until, exits ${ExitCode.USAGE}; an IP never profiled exits ${ExitCode.NOT_FOUND}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --output decnet.misp.json',
    '<%= config.bin %> <%= command.id %> --per-attacker --since 7d',
    '<%= config.bin %> <%= command.id %> 203.0.113.7',
  ]

  static override flags = {
    ...exportFlags,
    'per-attacker': Flags.boolean({default: false, summary: 'One MISP event per attacker ({"response": [...]}) instead of one for the set.'}),
  }

  static override strict = false
  static override summary = 'Export attackers as MISP event JSON with ATT&CK galaxy tags.'

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ExportMisp)
    await runExport(this, {argv: argv as string[], flags}, (context) => exportMisp(context, {perAttacker: flags['per-attacker']}))
  }
}
