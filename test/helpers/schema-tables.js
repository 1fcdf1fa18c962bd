/**
 * The tables and columns `src/db/schema.ts` declares, read from its compiled
 * declaration file, so schema tests follow the contract rather than a copy of it.
 */
import {readFileSync} from 'node:fs'

export function schemaTables() {
  const text = readFileSync(new URL('../../dist/db/schema.d.ts', import.meta.url), 'utf8')
  const interfaces = new Map()
  for (const match of text.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)) {
    const body = match[2].replaceAll(/\/\*\*[\s\S]*?\*\//g, '')
    interfaces.set(match[1], [...body.matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1]))
  }

  const database = text.match(/export interface Database \{([\s\S]*?)\n\}/)[1].replaceAll(/\/\*\*[\s\S]*?\*\//g, '')
  const tables = {}
  for (const [, table, type] of database.matchAll(/^\s+(\w+): (\w+);/gm)) tables[table] = interfaces.get(type)
  return tables
}
