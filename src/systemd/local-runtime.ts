/**
 * What {@link buildFleetUnit} needs to know about this machine: where node,
 * decnet and the fleet's code really live (symlinks resolved, so a home
 * directory behind a link is still seen as one), and what is missing.
 */
import type {Interfaces} from '@oclif/core'

import {existsSync, realpathSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import makeDebug from 'debug'

import type {ResolvedFleet} from '../fleets/types.js'
import type {FleetUnitInput, UnitRuntime} from './fleet-unit.js'

import {lookupGroupId} from '../prefork/credentials.js'
import {PROFILE_SANDBOX} from './profile-sandbox.js'

const debug = makeDebug('decnet:systemd')

/**
 * node, decnet's entry point, package root and data directory, as the unit must name them.
 *
 * @example
 * ```ts
 * buildFleetUnit({fleet, graceMs, runtime: localRuntime(this.config)})
 * ```
 */
export function localRuntime(config: Interfaces.Config): UnitRuntime {
  return {
    dataDir: realPath(config.dataDir),
    entry: realPath(join(config.root, 'bin', 'run.js')),
    node: process.execPath,
    packageRoot: realPath(config.root),
    version: config.version,
  }
}

/** The fleet with its plugin root and worker modules resolved through symlinks. */
export function localFleet(fleet: ResolvedFleet): FleetUnitInput['fleet'] {
  return {
    ...fleet,
    pluginRoot: realPath(fleet.pluginRoot),
    workers: fleet.workers.map((worker) => ({...worker, modulePath: realPath(worker.modulePath)})),
  }
}

/** `Documentation=` URIs: the package's homepage when it has one, its README when present. */
export function documentationUris(config: Interfaces.Config): string[] {
  const uris: string[] = []
  const homepage = (config.pjson as {homepage?: unknown}).homepage
  if (typeof homepage === 'string' && /^https?:\/\/\S+$/.test(homepage)) uris.push(homepage)
  const readme = join(realPath(config.root), 'README.md')
  if (existsSync(readme)) uris.push(pathToFileURL(readme).href)
  return uris
}

/** Groups the profile's unit joins that do not exist here (the service would fail to start). */
export function missingGroups(fleet: Pick<ResolvedFleet, 'profile'>): string[] {
  return PROFILE_SANDBOX[fleet.profile].supplementaryGroups.filter((group) => lookupGroupId(group) === undefined)
}

function realPath(path: string): string {
  try {
    return realpathSync(path)
  } catch (error) {
    // Not there (yet): a data directory nobody created. Name it as given.
    debug('cannot resolve %s: %s', path, (error as Error).message)
    return path
  }
}
