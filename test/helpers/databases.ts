/**
 * Fresh, empty databases of both dialects for tests.
 *
 * @example
 * ```ts
 * import {DATABASE_KINDS, freshDatabase, skipReason} from './databases.js'
 *
 * for (const kind of DATABASE_KINDS) {
 *   test(`stores a line (${kind})`, {skip: skipReason(kind)}, async (t) => {
 *     const {url, cleanup} = await freshDatabase(kind)
 *     t.after(cleanup)
 *     ...
 *   })
 * }
 * ```
 *
 * PostgreSQL: DECNET_TEST_PG_URL when set (a new database is created in that
 * server for every call), else a throwaway local cluster (see pg.ts). With
 * neither, PostgreSQL tests are skipped loudly, unless DECNET_TEST_REQUIRE_PG=1
 * (CI), in which case they fail.
 *
 * A migrated database (`migratedDatabase`) is a copy of a template migrated
 * once, not a fresh database put through every migration (which costs
 * ~0.2-0.4 s a database on PostgreSQL, 0.05-0.2 s on SQLite): PostgreSQL
 * clones `decnet_template_<hash>` (`CREATE DATABASE x TEMPLATE t`), where
 * the hash is that of every source file under src/db, so a change to a
 * migration makes a new template; it is built once per server under an
 * advisory lock and kept there, with connections to it refused. SQLite
 * copies a file migrated once per test process. The copy is then migrated
 * to the latest again (nothing to do: it only checks), as before.
 */
import {createHash} from 'node:crypto'
import {copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {TestContext} from 'node:test'

import {type Kysely, Migrator, sql} from 'kysely'
import pg from 'pg'

import {dialectOf, migrateToLatest, openDatabase} from '../../src/db/index.js'
import {allMigrations} from '../../src/db/migrations/index.js'
import type {Database} from '../../src/db/schema.js'
import {localCluster, localClusterUnavailable} from './pg.js'

/** The dialects every data test runs on. */
export type DatabaseKind = 'postgres' | 'sqlite'

export const DATABASE_KINDS: readonly DatabaseKind[] = Object.freeze(['sqlite', 'postgres'])

/** A fresh, empty database and how to remove it. */
export interface FreshDatabase {
  readonly name: DatabaseKind
  readonly url: string
  /** SQLite: the directory holding the file. */
  readonly dir?: string
  /** PostgreSQL: the database's name in the server. */
  readonly database?: string
  /**
   * Removes the database (idempotent). A function property, not a method: it
   * is a closure that uses no `this`, so it may be destructured and handed to
   * `t.after` as it is.
   */
  readonly cleanup: () => Promise<void>
}

/** Where decnet's database code lives: what the templates' name hashes. */
const DB_SOURCES = fileURLToPath(new URL('../../src/db', import.meta.url))

/** An opened and migrated database for one test, and its URL. */
export interface MigratedDatabase {
  readonly db: Kysely<Database>
  readonly url: string
}

let counter = 0
let warned = false
/** Per test process: the SQLite template file, and the PostgreSQL template's name per server. */
let sqliteTemplate: Promise<string> | undefined
const postgresTemplates = new Map<string, Promise<string>>()

/**
 * Why tests of this kind must be skipped here, or undefined when they can run
 * (pass it as node:test's `skip` option). Says so loudly on stderr, once.
 */
export function skipReason(kind: DatabaseKind): string | undefined {
  if (kind !== 'postgres' || process.env.DECNET_TEST_PG_URL || process.env.DECNET_TEST_REQUIRE_PG === '1') return undefined
  const why = localClusterUnavailable()
  if (!why) return undefined
  if (!warned) {
    warned = true
    process.stderr.write(`\n!!! SKIPPING PostgreSQL tests: ${why}; set DECNET_TEST_PG_URL or install PostgreSQL !!!\n\n`)
  }

  return `PostgreSQL unavailable: ${why}`
}

/**
 * A fresh, empty database: `{name, url, cleanup}`. `cleanup()` removes it
 * (idempotent). Pass the test context `t` to have it skipped (loudly) when
 * PostgreSQL is unavailable: the call then marks the test skipped and
 * rejects, which ends the test as skipped (node:test reports a skipped test
 * that throws as skipped).
 */
export async function freshDatabase(kind: DatabaseKind, t?: TestContext): Promise<FreshDatabase> {
  if (kind === 'sqlite') return freshSqlite()
  if (kind !== 'postgres') throw new Error(`unknown database kind '${String(kind)}'`)
  const why = skipReason(kind)
  if (why) {
    t?.skip(why)
    throw new Error(why)
  }

  return freshPostgres()
}

function freshSqlite(): FreshDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-sqlite-'))
  return {
    name: 'sqlite',
    url: `sqlite:${join(dir, 'decnet.sqlite')}`,
    dir,
    async cleanup() {
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** `template`: the name of a database to clone (PostgreSQL's `CREATE DATABASE ... TEMPLATE`); else an empty one. */
async function freshPostgres(template?: (serverUrl: string) => Promise<string>): Promise<FreshDatabase> {
  const serverUrl = process.env.DECNET_TEST_PG_URL || (await localCluster()).url
  const database = `decnet_test_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`
  await adminQuery(serverUrl, template ? `create database "${database}" template "${await template(serverUrl)}"` : `create database "${database}"`)
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  let dropped = false
  return {
    name: 'postgres',
    url: url.toString(),
    database,
    async cleanup() {
      if (dropped) return
      dropped = true
      await adminQuery(serverUrl, `drop database if exists "${database}" with (force)`)
    },
  }
}

/**
 * A fresh database already migrated to the latest, no connection opened:
 * a copy of the template (see the top of this file). Skips like
 * {@link freshDatabase}; `cleanup()` removes it.
 */
export async function freshMigratedDatabase(kind: DatabaseKind, t?: TestContext): Promise<FreshDatabase> {
  if (kind === 'postgres' && skipReason(kind) === undefined) return freshPostgres(postgresTemplate)
  const database = await freshDatabase(kind, t)
  if (kind === 'sqlite') copyFileSync(await (sqliteTemplate ??= buildSqliteTemplate()), database.url.slice('sqlite:'.length))
  return database
}

/** A hash of every source file under src/db: a migration changed, the template is another. */
function dbSourcesHash(): string {
  const hash = createHash('sha256')
  const files = readdirSync(DB_SOURCES, {recursive: true, encoding: 'utf8'}).filter((file) => file.endsWith('.ts')).sort()
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(DB_SOURCES, file))).update('\0')
  return hash.digest('hex').slice(0, 16)
}

/** This process's SQLite template: a file migrated once, removed at exit. */
async function buildSqliteTemplate(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-sqlite-template-'))
  process.once('exit', () => rmSync(dir, {recursive: true, force: true}))
  const file = join(dir, 'decnet.sqlite')
  const db = await openDatabase(`sqlite:${file}`)
  try {
    await migrateToLatest(db)
  } finally {
    await db.destroy()
  }

  // the last connection's close checkpoints the WAL into the file: a copy of the file alone is the whole database
  if (existsSync(`${file}-wal`)) throw new Error(`the SQLite template ${file} still has a WAL file after its connection closed`)
  return file
}

/** The name of the migrated template database in the server at `serverUrl`, built there if missing (once per process and server). */
function postgresTemplate(serverUrl: string): Promise<string> {
  let template = postgresTemplates.get(serverUrl)
  if (!template) {
    template = buildPostgresTemplate(serverUrl)
    postgresTemplates.set(serverUrl, template)
  }

  return template
}

/** A key for pg_advisory_lock that only the template builders take. */
const TEMPLATE_LOCK = 0x6465_636e_6574 // "decnet"

async function buildPostgresTemplate(serverUrl: string): Promise<string> {
  const name = `decnet_template_${dbSourcesHash()}`
  const client = new pg.Client({connectionString: serverUrl})
  await client.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]) // another test process may be building it right now
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount === 0) {
      // built under another name and renamed when complete: a process killed half-way leaves no half-migrated template
      const building = `${name}_${process.pid}`
      await client.query(`drop database if exists "${building}" with (force)`)
      await client.query(`create database "${building}"`)
      const url = new URL(serverUrl)
      url.pathname = `/${building}`
      const db = await openDatabase(url.toString())
      try {
        await migrateToLatest(db)
      } finally {
        await db.destroy()
      }

      await client.query(`alter database "${building}" rename to "${name}"`)
      // a connection to a template makes every CREATE DATABASE ... TEMPLATE of it fail
      await client.query(`alter database "${name}" allow_connections false`)
    }
  } finally {
    await client.end() // and with the session, its advisory lock
  }

  return name
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({connectionString: serverUrl})
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/** A kysely Migrator over decnet's migrations, for tests that move a database up or down by name. */
export function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({db, provider: {getMigrations: async () => allMigrations()}})
}

/**
 * A fresh database migrated up to migration `name` only (what an older decnet
 * left behind), for one test. Closed and removed after the test.
 * Skips the test when PostgreSQL is unavailable (see freshDatabase).
 */
export async function databaseAtMigration(kind: DatabaseKind, t: TestContext, name: string): Promise<Kysely<Database>> {
  const database = await freshDatabase(kind, t)
  t.after(() => database.cleanup())
  const db = await openDatabase(database.url)
  t.after(() => db.destroy())
  const {error} = await migrator(db).migrateTo(name)
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return db
}

/** The names of the indexes on `tables`, in either dialect. */
export async function indexNames(db: Kysely<Database>, tables: readonly string[]): Promise<string[]> {
  const names = sql.join(tables.map((table) => sql.lit(table)))
  const query =
    dialectOf(db) === 'postgres'
      ? sql`select indexname as name from pg_indexes where tablename in (${names})`
      : sql`select name from sqlite_master where type = 'index' and tbl_name in (${names})`
  return (await query.execute(db)).rows.map((row) => (row as {name: string}).name)
}

/**
 * A fresh database, opened and migrated (a copy of the template, see the
 * top of this file), for one test: `{db, url}`. The
 * connection is destroyed and the database removed after the test.
 * Skips the test when PostgreSQL is unavailable (see freshDatabase).
 */
export async function migratedDatabase(kind: DatabaseKind, t: TestContext): Promise<MigratedDatabase> {
  const database = await freshMigratedDatabase(kind, t)
  t.after(() => database.cleanup())
  const db = await openDatabase(database.url)
  t.after(() => db.destroy())
  await migrateToLatest(db)
  return {db, url: database.url}
}

/** Points `DECNET_DB_URL` (what workers read) at `url` for the rest of the test, then restores it. */
export function useDatabaseUrl(t: TestContext, url: string): void {
  const saved = process.env.DECNET_DB_URL
  process.env.DECNET_DB_URL = url
  t.after(() => {
    if (saved === undefined) delete process.env.DECNET_DB_URL
    else process.env.DECNET_DB_URL = saved
  })
}
