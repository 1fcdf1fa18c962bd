import {withChosenDatabase} from '../../cli/chosen-database.js'
import {databaseFlag} from '../../cli/database-command.js'
import {DecnetCommand} from '../../cli/decnet-command.js'
import {redactUrl} from '../../db/redact-url.js'
import {migrationStates} from '../../db/migrate.js'
import {ExitCode} from '../../exit-codes.js'

/** What `decnet db migrate` did. */
export interface MigrateResult {
  /** The database (a file path, or the PostgreSQL URL without its password). */
  database: string
  /** Migrations applied by this run, in order. */
  applied: string[]
  /** Every migration and when it was applied. */
  migrations: Array<{name: string; executedAt: string | null}>
}

/** `decnet db migrate`: bring the database schema up to date. */
export default class DbMigrate extends DecnetCommand {
  static override description = `Creates the database on first use and applies the migrations it lacks. Safe to run while workers run (they migrate on start too): concurrent runs wait for each other and the later ones find nothing to do. Exit ${ExitCode.DATABASE} when the database cannot be reached or a migration fails (nothing of a failed run is kept).`

  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --db postgres://decnet@db.example/decnet --json']
  static override flags = {db: databaseFlag}
  static override summary = 'Create or upgrade the database schema.'

  /** Returns what was applied; `--json` prints it as is. */
  async run(): Promise<MigrateResult> {
    const {flags} = await this.parse(DbMigrate)
    return withChosenDatabase(this, {access: 'write', flag: flags.db}, async (db, {applied, choice: {target}}) => {
      const database = target.kind === 'sqlite' ? target.path : redactUrl(target.url)
      const migrations = (await migrationStates(db)).map(({name, executedAt}) => ({name, executedAt: executedAt?.toISOString() ?? null}))
      this.log(applied.length > 0 ? `applied ${applied.join(', ')} to ${database}` : `${database} is up to date (${migrations.length} migrations)`)
      return {database, applied: [...applied], migrations}
    })
  }
}
