import type {FleetCatalog} from '../../fleets/types.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {formatCatalog} from '../../fleets/format-catalog.js'
import {loadFleetCatalog} from '../../fleets/registry.js'

/** `decnet fleet list`: every fleet the installed plugins define, and what is broken. */
export default class FleetList extends DecnetCommand {
  static override description = `Asks every installed or linked plugin (decnet itself included) for its fleets through the \`decnet:fleets\` hook and lists them: name, privilege profile, defining plugin, description and workers (module, export, restart policy, options).

Plugins whose hook threw, hung or returned garbage, and fleets that failed validation, are listed as problems with the reason; the other fleets still work.`
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override summary = 'List the available fleets and the plugins that failed to provide theirs.'

  /** Returns the catalog (fleets sorted by name, then problems); `--json` prints it as is. */
  async run(): Promise<FleetCatalog> {
    await this.parse(FleetList)
    const catalog = await loadFleetCatalog(this.config)
    this.log(formatCatalog(catalog))
    return catalog
  }
}
