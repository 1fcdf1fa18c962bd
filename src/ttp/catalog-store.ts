/**
 * Where the ATT&CK catalog in use lives: an imported release in decnet's data
 * directory (`attack/enterprise-attack.json`, with MITRE's license beside
 * it), else the one shipped with the package. Installing one writes a new
 * file beside the old and renames it over (readers see the old catalog or
 * the new, never half of one), never following a symbolic link.
 */
import {existsSync} from 'node:fs'
import {lstat, mkdir, readFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {replaceFile} from '../util/replace-file.js'

import type {AttackCatalogData} from './attack-catalog.js'

import {ATTACK_CATALOG_ENV, CatalogError, shippedCatalogPath} from './attack-catalog.js'

/** The imported catalog's path in `dataDir`. */
export function importedCatalogPath(dataDir: string): string {
  return join(dataDir, 'attack', 'enterprise-attack.json')
}

/** Which catalog is in use, and why. */
export interface CatalogChoice {
  readonly path: string
  /** `env`: `$DECNET_ATTACK_CATALOG`; `imported`: `decnet attack import`; `shipped`: the package's. */
  readonly origin: 'env' | 'imported' | 'shipped'
}

/**
 * The catalog in use: `$DECNET_ATTACK_CATALOG`, else the one imported into
 * `dataDir`, else the shipped one.
 *
 * @example
 * ```ts
 * const {path} = chooseCatalog(this.config.dataDir)
 * ```
 */
export function chooseCatalog(dataDir: string, env: NodeJS.ProcessEnv = process.env): CatalogChoice {
  const fromEnv = env[ATTACK_CATALOG_ENV]
  if (fromEnv) return {origin: 'env', path: fromEnv}
  const imported = importedCatalogPath(dataDir)
  return existsSync(imported) ? {origin: 'imported', path: imported} : {origin: 'shipped', path: shippedCatalogPath()}
}

/**
 * Makes `data` the catalog in use for `dataDir`: writes it (and MITRE's
 * license) to new files created exclusively beside the old ones, syncs them,
 * and renames them into place. Refuses when `dataDir/attack` is a symbolic
 * link or not a directory. Returns the catalog's path.
 *
 * @throws CatalogError naming the path and what is wrong.
 */
export async function installCatalog(dataDir: string, data: AttackCatalogData): Promise<string> {
  const target = importedCatalogPath(dataDir)
  const dir = dirname(target)
  await mkdir(dir, {mode: 0o755, recursive: true})
  const stat = await lstat(dir)
  if (stat.isSymbolicLink() || !stat.isDirectory()) throw new CatalogError(`${dir}: expected a directory, found ${stat.isSymbolicLink() ? 'a symbolic link' : 'something else'}; refusing to write the catalog there`)
  const license = await readFile(join(dirname(shippedCatalogPath()), 'LICENSE-ATTACK.txt'))
  await replaceFile(join(dir, 'LICENSE-ATTACK.txt'), license, 0o644)
  await replaceFile(target, Buffer.from(`${JSON.stringify(data, null, 1)}\n`), 0o644)
  return target
}

/**
 * What a fleet adds to its workers' environment so they use the imported
 * catalog: `DECNET_ATTACK_CATALOG` when one was imported into `dataDir` (and
 * the environment does not name one already, which workers inherit anyway).
 */
export function catalogEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const choice = chooseCatalog(dataDir, env)
  return choice.origin === 'imported' ? {[ATTACK_CATALOG_ENV]: choice.path} : {}
}
