/**
 * The counting rules' state in the database: credential summaries and the
 * attackers tagged for each (credential stuffing), and the attackers'
 * latest event times (beaconing). Read at the start of the part of a tick
 * that needs them and written in the same transaction as its tags and cursor.
 */
import type {Transaction} from 'kysely'

import type {DialectName} from '../../db/dialect-of.js'
import type {CredentialPairsTable, CredentialStuffersTable, Database, TtpBeaconsTable} from '../../db/schema.js'
import type {UpsertColumns} from '../../db/bulk/upsert-columns.js'
import type {BeaconState} from '../../ttp/auth/beaconing.js'
import type {StuffingChanges, StuffingState} from '../../ttp/auth/credential-stuffing.js'

import {BulkUpsert} from '../../db/bulk/bulk-upsert.js'
import {dialectOf} from '../../db/dialect-of.js'
import {valuesIn} from '../../db/values-in.js'
import {chunks} from '../../util/chunks.js'
import {readBeaconState} from '../../ttp/auth/beaconing.js'

/** Keys per `in` list. */
const KEYS_PER_SELECT = 500

const PAIR_COLUMNS: UpsertColumns<CredentialPairsTable> = [
  ['pair_key', 'text'], ['first_log_id', 'bigint'], ['first_ip', 'text'], ['first_target', 'text'], ['spread_log_id', 'bigint'],
]
const TAGGED_COLUMNS: UpsertColumns<CredentialStuffersTable> = [['ip', 'text'], ['tagged_log_id', 'bigint']]
const BEACON_COLUMNS: UpsertColumns<TtpBeaconsTable> = [['ip', 'text'], ['last_log_id', 'bigint'], ['state', 'text']]

/** Reads and writes the counting rules' state; its SQL is built once per dialect. */
export class AuthState {
  readonly #writers = new Map<string, BulkUpsert<never>>()

  /** The summaries of `pairKeys`, and which of `ips` were tagged already. */
  async readStuffing(trx: Transaction<Database>, pairKeys: readonly string[], ips: readonly string[]): Promise<StuffingState> {
    const dialect = dialectOf(trx)
    const state: StuffingState = {pairs: new Map(), tagged: new Map()}
    for (const keys of chunks([...new Set(pairKeys)], KEYS_PER_SELECT)) {
      for (const row of await trx.selectFrom('credential_pairs').selectAll().where(valuesIn(dialect, 'pair_key', keys)).execute()) {
        const spread = row.spread_log_id === null ? null : Number(row.spread_log_id)
        state.pairs.set(row.pair_key, {firstIp: row.first_ip, firstLogId: Number(row.first_log_id), firstTarget: row.first_target, spreadLogId: spread})
      }
    }

    for (const some of chunks([...new Set(ips)], KEYS_PER_SELECT)) {
      const rows = await trx.selectFrom('credential_stuffers').selectAll().where(valuesIn(dialect, 'ip', some)).execute()
      for (const row of rows) state.tagged.set(row.ip, Number(row.tagged_log_id))
    }

    return state
  }

  /** Writes what a stuffing fold changed. */
  async writeStuffing(trx: Transaction<Database>, state: StuffingState, changes: StuffingChanges): Promise<void> {
    const pairs = [...changes.pairs].map((key) => {
      const pair = state.pairs.get(key)!
      return {first_ip: pair.firstIp, first_log_id: pair.firstLogId, first_target: pair.firstTarget, pair_key: key, spread_log_id: pair.spreadLogId}
    })
    await this.#writer<CredentialPairsTable>(dialectOf(trx), 'credential_pairs', PAIR_COLUMNS, ['pair_key'], ['first_log_id', 'first_ip', 'first_target', 'spread_log_id']).write(trx, pairs)
    const tagged = [...changes.tagged].map((ip) => ({ip, tagged_log_id: state.tagged.get(ip)!}))
    await this.#writer<CredentialStuffersTable>(dialectOf(trx), 'credential_stuffers', TAGGED_COLUMNS, ['ip'], []).write(trx, tagged)
  }

  /** The beaconing states of `ips` (absent ones start empty). */
  async readBeacons(trx: Transaction<Database>, ips: readonly string[]): Promise<Map<string, BeaconState>> {
    const states = new Map<string, BeaconState>()
    for (const some of chunks([...new Set(ips)], KEYS_PER_SELECT)) {
      for (const row of await trx.selectFrom('ttp_beacons').selectAll().where(valuesIn(dialectOf(trx), 'ip', some)).execute()) {
        states.set(row.ip, {lastLogId: Number(row.last_log_id), state: readBeaconState(row.state)})
      }
    }

    return states
  }

  /** Writes the states of `changed`. */
  async writeBeacons(trx: Transaction<Database>, states: ReadonlyMap<string, BeaconState>, changed: ReadonlySet<string>): Promise<void> {
    const rows = [...changed].map((ip) => ({ip, last_log_id: states.get(ip)!.lastLogId, state: JSON.stringify(states.get(ip)!.state)}))
    await this.#writer<TtpBeaconsTable>(dialectOf(trx), 'ttp_beacons', BEACON_COLUMNS, ['ip'], ['last_log_id', 'state']).write(trx, rows)
  }

  #writer<Row extends object>(dialect: DialectName, table: string, columns: UpsertColumns<Row>, key: ReadonlyArray<keyof Row & string>, update: readonly string[]): BulkUpsert<Row> {
    const name = `${dialect}:${table}`
    let writer = this.#writers.get(name) as BulkUpsert<Row> | undefined
    if (writer === undefined) {
      writer = new BulkUpsert<Row>(dialect, table, columns, key, update.length === 0 ? 'nothing' : {update})
      this.#writers.set(name, writer)
    }

    return writer
  }
}
