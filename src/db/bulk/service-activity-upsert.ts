/**
 * Merges a tick's `attacker_services` rows into the stored ones: counts add
 * and the last log id moves; a row whose lines the stored row already holds
 * (a replay) changes nothing. As `CredentialUpsert`, for one dialect.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from '../dialect-of.js'
import type {AttackerServicesTable, Database} from '../schema.js'
import type {PostgresBulkWrite, PostgresWrite, UpsertColumns} from './bulk-upsert.js'

import {objectRows} from '../row-parameters.js'
import {RUN_PER_ROW} from '../sqlite-driver.js'
import {postgresQuery, PostgresRowsSource} from './bulk-upsert.js'

const COLUMNS = [
  ['ip', 'text'], ['service', 'text'], ['interactions', 'bigint'], ['scans', 'bigint'], ['first_log_id', 'bigint'], ['last_log_id', 'bigint'],
] as const satisfies UpsertColumns<AttackerServicesTable>

/**
 * The writer of `attacker_services` rows.
 *
 * @example
 * ```ts
 * await new ServiceActivityUpsert('sqlite').write(trx, [{ip, service: 'ssh', interactions: 3, scans: 1, first_log_id: 7, last_log_id: 12}])
 * ```
 */
export class ServiceActivityUpsert implements PostgresBulkWrite<AttackerServicesTable> {
  readonly #dialect: DialectName
  readonly #sql: string
  readonly #postgres: PostgresRowsSource<AttackerServicesTable>

  constructor(dialect: DialectName) {
    this.#dialect = dialect
    const names = COLUMNS.map(([name]) => `"${name}"`).join(', ')
    const head = `insert into "attacker_services" (${names}) `
    const tail =
      ' on conflict ("ip", "service") do update set' +
      ' "interactions" = "attacker_services"."interactions" + excluded."interactions",' +
      ' "scans" = "attacker_services"."scans" + excluded."scans",' +
      ' "last_log_id" = excluded."last_log_id"' +
      ' where "attacker_services"."last_log_id" < excluded."first_log_id"'
    this.#postgres = new PostgresRowsSource(COLUMNS, (source) => `${head}select ${names} from ${source}${tail}`)
    this.#sql = `${RUN_PER_ROW}${head}values (${COLUMNS.map(() => '?').join(', ')})${tail}`
  }

  /** Merges every row (each key at most once); returns how many rows were inserted or updated. */
  async write(trx: Transaction<Database>, rows: readonly AttackerServicesTable[]): Promise<number> {
    if (rows.length === 0) return 0
    const names = COLUMNS.map(([name]) => name)
    const query = this.#dialect === 'postgres' ? postgresQuery(this.postgresWrite(rows, 1)) : CompiledQuery.raw(this.#sql, [objectRows(rows, names)])
    const result = await trx.executeQuery(query)
    return Number(result.numAffectedRows ?? 0)
  }

  postgresWrite(rows: readonly AttackerServicesTable[], parameter: number): PostgresWrite {
    return this.#postgres.write(rows, parameter)
  }
}
