import type {Kysely} from 'kysely'

import {addIdColumn, bigintType, realType} from '../column-types.js'
import {dialectOf} from '../dialect-of.js'

/**
 * The first schema: exactly the tables of `schema.ts`. Timestamps are ISO
 * text, JSON is text, booleans are 0/1 integers, in both dialects.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const dialect = dialectOf(db)
  const bigint = bigintType(dialect)

  await addIdColumn(db.schema.createTable('logs'), 'id', dialect)
    .addColumn('timestamp', 'text', (col) => col.notNull())
    .addColumn('decky', 'text', (col) => col.notNull())
    .addColumn('service', 'text', (col) => col.notNull())
    .addColumn('event_type', 'text', (col) => col.notNull())
    .addColumn('attacker_ip', 'text')
    .addColumn('raw_line', 'text', (col) => col.notNull())
    .addColumn('fields', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('msg', 'text')
    .execute()
  // No secondary index here: every index on logs costs ingest throughput (a
  // random-position B-tree insert per line), and the workers read logs by id
  // after their cursor. 0002 adds the one index a query needs.

  await addIdColumn(db.schema.createTable('rejected_lines'), 'id', dialect)
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('line_no', bigint, (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('raw_line', 'text', (col) => col.notNull())
    .addColumn('received_at', 'text', (col) => col.notNull())
    .execute()
  await db.schema.createIndex('rejected_lines_source_line_no').on('rejected_lines').columns(['source', 'line_no']).execute()

  await db.schema
    .createTable('attackers')
    .addColumn('ip', 'text', (col) => col.primaryKey())
    .addColumn('first_seen', 'text', (col) => col.notNull())
    .addColumn('last_seen', 'text', (col) => col.notNull())
    .addColumn('event_count', bigint, (col) => col.notNull().defaultTo(0))
    .addColumn('services', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('deckies', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('is_traversal', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('traversal_path', 'text')
    .addColumn('auth_attempts', bigint, (col) => col.notNull().defaultTo(0))
    .addColumn('first_contacts', 'text', (col) => col.notNull().defaultTo('{"deckies":[],"services":[]}'))
    .addColumn('last_log_id', bigint, (col) => col.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('attackers_last_seen').on('attackers').column('last_seen').execute()

  await db.schema
    .createTable('attacker_commands')
    .addColumn('log_id', bigint, (col) => col.primaryKey())
    .addColumn('ip', 'text', (col) => col.notNull())
    .addColumn('timestamp', 'text', (col) => col.notNull())
    .addColumn('decky', 'text', (col) => col.notNull())
    .addColumn('service', 'text', (col) => col.notNull())
    .addColumn('command', 'text', (col) => col.notNull())
    .execute()
  await db.schema.createIndex('attacker_commands_ip_log_id').on('attacker_commands').columns(['ip', 'log_id']).execute()

  await db.schema
    .createTable('ttp_tags')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('log_id', bigint, (col) => col.notNull())
    .addColumn('attacker_ip', 'text')
    .addColumn('rule_id', 'text', (col) => col.notNull())
    .addColumn('rule_version', 'integer', (col) => col.notNull())
    .addColumn('tactic', 'text', (col) => col.notNull())
    .addColumn('technique_id', 'text', (col) => col.notNull())
    .addColumn('sub_technique_id', 'text')
    .addColumn('confidence', realType(dialect), (col) => col.notNull())
    .addColumn('evidence', 'text', (col) => col.notNull())
    .addColumn('timestamp', 'text', (col) => col.notNull())
    .execute()
  await db.schema.createIndex('ttp_tags_attacker_ip').on('ttp_tags').column('attacker_ip').execute()
  await db.schema.createIndex('ttp_tags_log_id').on('ttp_tags').column('log_id').execute()
  await db.schema.createIndex('ttp_tags_technique_id').on('ttp_tags').column('technique_id').execute()

  await db.schema
    .createTable('worker_state')
    .addColumn('worker', 'text', (col) => col.primaryKey())
    .addColumn('cursor', bigint, (col) => col.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute()
}

/** Drops everything `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['worker_state', 'ttp_tags', 'attacker_commands', 'attackers', 'rejected_lines', 'logs']) {
    await db.schema.dropTable(table).execute()
  }
}
