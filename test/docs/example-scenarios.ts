/**
 * The setups the documents' example transcripts run in (see
 * test/helpers/doc-examples.ts). Each gets a fresh, private HOME, so
 * decnet's default locations (`~/.local/share/decnet/...`) are real, and
 * returns the directory the transcript's commands run in; `teardown` runs
 * after the transcript, before that HOME is removed (a fleet left running
 * must be stopped while its socket is still there).
 */
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {FIXTURE_PLUGINS, REPO, RUN} from '../helpers/decnet-cli.js'

/** The user the examples run as: nobody when the tests run as root, else the tests' own user. */
export const ORDINARY_USER: Readonly<{gid?: number; uid?: number}> = Object.freeze(process.getuid?.() === 0 ? {gid: 65_534, uid: 65_534} : {})

/** A setup a transcript runs in. `why`: what the scenario stands for, for the test's name. */
export interface Scenario {
  readonly why: string
  /** Prepares `home` and returns the directory the transcript's commands run in. */
  setup(home: string): string
  /** Runs after the transcript, before `home` is removed. */
  teardown?(home: string): void
}

const LINE = '<13>1 2026-11-20T08:14:02.114Z decky-01 ssh - login_attempt [relay@55555 src_ip="203.0.113.7" username="root" password="123456"] failed password'

/** Runs decnet as the examples' user with `home` as HOME; throws when it exits with a code not in `allow`. */
function decnet(home: string, args: readonly string[], {allow = [0]}: {allow?: readonly number[]} = {}): void {
  const env: NodeJS.ProcessEnv = {...process.env, HOME: home}
  for (const key of Object.keys(env)) if (key.startsWith('DECNET_') || key === 'DEBUG') delete env[key]
  const result = spawnSync(process.execPath, [RUN, ...args], {cwd: REPO, encoding: 'utf8', env, timeout: 120_000, ...ORDINARY_USER})
  if (result.status === null || !allow.includes(result.status)) throw new Error(`decnet ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
}

/** Every scenario a marked example may name. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'sample-plugin': {
    setup: () => FIXTURE_PLUGINS,
    why: 'in the folder holding the sample plugin, nothing linked yet',
  },
  'sample-log': {
    setup: () => REPO,
    why: 'in a checkout of decnet, on an empty database',
  },
  'sample-profiled': {
    setup(home) {
      decnet(home, ['ingest', join('samples', 'decnet-sample.log')])
      decnet(home, ['fleet', 'heavy', '--once'])
      return REPO
    },
    why: 'after the sample log was ingested and profiled (decnet fleet heavy --once)',
  },
  'heavy-daemon': {
    setup(home) {
      decnet(home, ['fleet', 'heavy', '--daemon'])
      return REPO
    },
    // the transcript may have stopped it already (exit 11 then)
    teardown: (home) => decnet(home, ['fleet', 'stop', 'heavy'], {allow: [0, 11]}),
    why: 'with the heavy fleet running in the background (decnet fleet heavy --daemon)',
  },
  'no-fleet': {
    setup: () => REPO,
    // a transcript that starts a fleet leaves it running: stop it (none running: exit 11)
    teardown: (home) => decnet(home, ['fleet', 'stop', 'heavy'], {allow: [0, 11]}),
    why: 'in a checkout of decnet, no fleet running',
  },
  'mixed-inputs': {
    setup(home) {
      const dir = join(home, 'inputs')
      writeFileSync(join(dir, 'mixed.log'), `${LINE}\nthis is not syslog\n<13>1 2026-11-20T08:14:03Z decky-01 ssh - x [unterminated\n`, {flag: 'w'})
      writeFileSync(join(dir, 'core.bin'), Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919) % 256)))
      return dir
    },
    why: 'in a folder holding a log with bad lines, a binary core.bin, and no nope.log',
  },
}
