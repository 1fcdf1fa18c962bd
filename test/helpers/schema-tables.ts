/**
 * The tables and columns `src/db/schema.ts` declares, read from that file, so
 * schema tests follow the contract rather than a copy of it.
 */
import {readFileSync} from 'node:fs'

/** Table name -> the column names its interface declares, in declaration order. */
export type SchemaTables = Record<string, string[]>

export function schemaTables(): SchemaTables {
  const text = readFileSync(new URL('../../src/db/schema.ts', import.meta.url), 'utf8')
  const interfaces = new Map<string, string[]>()
  for (const match of text.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)) {
    const body = match[2].replaceAll(/\/\*\*[\s\S]*?\*\//g, '')
    interfaces.set(match[1], [...body.matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1]))
  }

  const database = /export interface Database \{([\s\S]*?)\n\}/.exec(text)
  if (!database) throw new Error('src/db/schema.ts declares no Database interface')
  const tables: SchemaTables = {}
  for (const [, table, type] of database[1].replaceAll(/\/\*\*[\s\S]*?\*\//g, '').matchAll(/^\s+(\w+): (\w+);?$/gm)) {
    const columns = interfaces.get(type)
    if (!columns) throw new Error(`src/db/schema.ts: table ${table} has type ${type}, which it does not declare`)
    tables[table] = columns
  }

  return tables
}
