/**
 * Seeded random and hostile DECNET log lines and command texts for the fuzz
 * tests (test/fuzz/). Everything is drawn from one seeded PRNG, so a failure
 * replays exactly: the tests print the seed, and DECNET_FUZZ_SEED=N reruns it.
 *
 * @example
 * ```ts
 * const seed = fuzzSeed()                // DECNET_FUZZ_SEED, else a fresh random one
 * const rng = createRandom(seed)
 * const lines = fuzzLines(rng, 400)      // [{kind, bytes, valid}], valid lines mixed with hostile ones
 * const commands = hostileCommands(rng, rules)
 * ```
 */
import {randomInt} from 'node:crypto'

/** A seeded random source and the draws the generators make from it. */
export interface Random {
  /** A number in [0, 1). */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  /** True with probability `p`. */
  chance(p: number): boolean
  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string
  /** Shuffles `items` in place and returns it. */
  shuffle<T>(items: T[]): T[]
}

/** What {@link hostileCommands} reads of a rule: its literals and examples, when it has them. */
export interface FuzzRule {
  readonly literals?: null | readonly string[]
  readonly examples?: {readonly match?: readonly string[]; readonly noMatch?: readonly string[]}
}

/** A generated line: its bytes (no newline), its kind, and whether decnet must accept it. */
export interface FuzzLine {
  readonly bytes: Buffer
  readonly kind: string
  readonly valid: boolean
}

/** The seed to use: DECNET_FUZZ_SEED (to replay a failure), else a fresh one. */
export function fuzzSeed(): number {
  const fixed = process.env.DECNET_FUZZ_SEED
  if (fixed !== undefined && fixed !== '') {
    const seed = Number(fixed)
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`DECNET_FUZZ_SEED must be an integer in [0, 2^32), got ${fixed}`)
    return seed
  }

  return randomInt(2 ** 32 - 1)
}

/** A small seeded PRNG (mulberry32) with the helpers the generators need. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d_2b_79_f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }

  const rng: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
    string: (length, alphabet) => {
      let out = ''
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)]
      return out
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[items[i], items[j]] = [items[j], items[i]]
      }

      return items
    },
  }
  return rng
}

const WORD = 'abcdefghijklmnopqrstuvwxyz0123456789'
const EVENTS = ['login_failed', 'login_success', 'command', 'exec', 'http_request', 'sql_query', 'redis_command', 'connection']
const SERVICES = ['ssh', 'telnet', 'http', 'mysql', 'redis', 'ftp']

/** An attacker-ish IP address. */
function ip(rng: Random): string {
  return rng.chance(0.85) ? `203.0.113.${rng.int(1, 254)}` : `2001:db8::${rng.int(1, 0xff_ff).toString(16)}`
}

/** A valid RFC 5424 timestamp. */
function timestamp(rng: Random): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  const fraction = rng.chance(0.5) ? `.${rng.string(rng.int(1, 6), '0123456789')}` : ''
  const zone = rng.chance(0.8) ? 'Z' : `${rng.pick(['+', '-'])}${pad(rng.int(0, 14))}:${pad(rng.pick([0, 30, 45]))}`
  return `2026-${pad(rng.int(1, 12))}-${pad(rng.int(1, 28))}T${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}${fraction}${zone}`
}

/** An SD-PARAM value escaped as RFC 5424 requires (`"`, `\` and `]`). */
export function sdEscape(value: string): string {
  return value.replaceAll(/["\\\]]/g, (c) => `\\${c}`)
}

/** A valid DECNET line; `command` (when given) rides in it, as a `command` SD param or a `CMD ... cmd=` message. */
export function validLine(rng: Random, command?: string): string {
  const src = ip(rng)
  const head = `<${rng.int(0, 191)}>1 ${timestamp(rng)} decky-${rng.int(1, 9)} ${rng.pick(SERVICES)} ${rng.chance(0.5) ? rng.int(1, 99_999) : '-'}`
  if (command !== undefined) {
    return rng.chance(0.5)
      ? `${head} command [relay@55555 src_ip="${src}" command="${sdEscape(command)}"]`
      : `${head} command [relay@55555 src_ip="${src}"] CMD uid=0 user=root src=${src} pwd=/root cmd=${command}`
  }

  const event = rng.pick(EVENTS)
  const params = [`src_ip="${src}"`, `user="${rng.string(rng.int(1, 8), WORD)}"`]
  if (rng.chance(0.3)) params.push(`password="${sdEscape(rng.string(rng.int(0, 12), `${WORD}"\\]! `))}"`)
  const msg = rng.chance(0.7) ? ` ${rng.string(rng.int(1, 60), `${WORD} =.:/-`)}` : ''
  return `${head} ${event} [relay@55555 ${params.join(' ')}]${msg}`
}

/** Hostile command texts, the generic ones apart from those made of one rule's own literals and examples. */
export interface HostileCommandSets {
  readonly generic: string[]
  /** Each with the index (in the rules given) of the rule it was made from. */
  readonly targeted: Array<{readonly rule: number; readonly text: string}>
}

/**
 * Regex-hostile command texts: long runs and deep nesting, and, for every
 * rule given, its literals and examples repeated with separators and fillers
 * (the texts most likely to make a rule's pattern backtrack).
 *
 * @param rules - compiled rules (`literals`, `examples`), or none
 */
export function hostileCommands(rng: Random, rules: readonly FuzzRule[] = []): string[] {
  const {generic, targeted} = hostileCommandSets(rng, rules)
  return [...generic, ...targeted.map(({text}) => text)]
}

/** {@link hostileCommands}, saying which rule each targeted text was made from. */
export function hostileCommandSets(rng: Random, rules: readonly FuzzRule[] = []): HostileCommandSets {
  const n = (): number => rng.int(2000, 10_000)
  const generic = [
    `${'a'.repeat(n())}!`,
    `${'a'.repeat(n())}`,
    `${' '.repeat(n())}x`,
    `${';'.repeat(n())}`,
    `${'|'.repeat(n())}`,
    `${'&'.repeat(n())}`,
    `${'$('.repeat(2000)}id${')'.repeat(2000)}`,
    `${'$($('.repeat(1000)}`,
    `${'('.repeat(5000)}${')'.repeat(4000)}`,
    `${'"'.repeat(3001)}`,
    `${`'"`.repeat(2000)}`,
    `sh -c "${'sh -c \\"'.repeat(600)}id`,
    `${'\\'.repeat(n())}`,
    `${'-'.repeat(n())}`,
    `${'/'.repeat(n())}`,
    `${'./'.repeat(3000)}x`,
    `${'a/'.repeat(3000)}!`,
    `${'a '.repeat(4000)}!`,
    `${'a\t'.repeat(4000)}!`,
    `${'\n'.repeat(n())}`,
    `${'sudo '.repeat(1500)}`,
    `${'echo '.repeat(1500)}|`,
    `${'aaaa+'.repeat(2000)}`,
    `${'(a+)+'.repeat(1500)}$`,
    `${'x=y '.repeat(2500)}`,
    `${'%'.repeat(n())}`,
    `${'\u00e9'.repeat(n())}`,
    `${'\u{1F600}'.repeat(2500)}`,
    `${'A'.repeat(5000)}\uFFFD${'B'.repeat(5000)}`,
    rng.string(n(), ' ;|&()$`\'"\\/-.aA0=<>{}[]!*~\n\t'),
    rng.string(n(), 'a '),
    rng.string(n(), ';|'),
  ]
  const separators = [' ', ';', '|', '&&', ' | ', '; ', '$(', '`', '/', '-', '"', "'", '\\', '\n', 'a', '', ' -', '=']
  const targeted: Array<{rule: number; text: string}> = []
  for (const [index, rule] of rules.entries()) {
    const seeds = [...(rule.literals ?? []), ...(rule.examples?.match ?? []), ...(rule.examples?.noMatch ?? [])]
    for (const seed of seeds) {
      const separator = rng.pick(separators)
      const unit = `${seed}${separator}`
      targeted.push({rule: index, text: unit.repeat(Math.ceil(rng.int(4096, 6000) / Math.max(1, unit.length)))})
      // a match start followed by a long run that almost, but not quite, completes it
      targeted.push({rule: index, text: `${seed}${rng.pick(separators).repeat(rng.int(3000, 5000))}${rng.pick(['!', '', 'x', seed.slice(0, 3)])}`})
    }
  }

  return {generic, targeted}
}

/**
 * Hostile lines, each `{kind, bytes, valid: false}` (`bytes` a Buffer, no
 * newline). Kinds: huge, nul, invalid-utf8, lone-surrogate, escaped-sd,
 * many-sd, unterminated, cr, long-pri, long-timestamp, hostile-command,
 * junk.
 */
export function hostileLine(rng: Random, commands: readonly string[]): FuzzLine {
  const text = (value: string): Buffer => Buffer.from(value, 'utf8')
  const head = (): string => `<${rng.int(0, 191)}>1 ${timestamp(rng)} decky-1 ssh - command`
  const kinds: Record<string, () => Buffer> = {
    huge: () => text(`${head()} [relay@55555 src_ip="${ip(rng)}"] ${'A'.repeat(rng.int(1_048_577, 1_200_000))}`),
    'huge-sd': () => text(`${head()} [relay@55555 command="${'x'.repeat(rng.int(70_000, 200_000))}"]`),
    'near-limit': () => text(`${head()} [relay@55555 src_ip="${ip(rng)}"] ${'B'.repeat(rng.int(60_000, 65_400))}`),
    nul: () => text(`${head()} [relay@55555 src_ip="${ip(rng)}"] a\0b${'\0'.repeat(rng.int(0, 50))}`),
    'invalid-utf8': () =>
      Buffer.concat([text(`${head()} [relay@55555 src_ip="${ip(rng)}" user="`), Buffer.from(rng.pick([[0xff], [0xc3], [0xe2, 0x82], [0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])), text('"] msg')]),
    'invalid-utf8-header': () => Buffer.concat([Buffer.from([0x3c, 0xff, 0xfe]), text(`>1 ${timestamp(rng)} d s - e -`)]),
    // a lone surrogate written as UTF-8 would (CESU-8): invalid UTF-8 on disk
    'lone-surrogate': () => Buffer.concat([text(`${head()} [relay@55555 command="`), Buffer.from([0xed, 0xa0, 0x80]), text('"] x')]),
    'escaped-sd': () => text(`${head()} [relay@55555 command="${'\\\\\\"'.repeat(rng.int(100, 10_000))}"]`),
    'escaped-sd-open': () => text(`${head()} [relay@55555 command="${'\\\\\\"'.repeat(rng.int(100, 10_000))}\\"]`),
    'backslash-run': () => text(`${head()} [relay@55555 command="${'\\'.repeat(rng.int(1000, 20_000))}"]`),
    'many-sd': () => text(`${head()} ${Array.from({length: rng.int(1000, 6000)}, (_, i) => `[e${i} p="v"]`).join('')} msg`),
    'many-sd-same': () => text(`${head()} ${'[a b="c"]'.repeat(rng.int(1000, 7000))}`),
    'many-params': () => text(`${head()} [relay@55555 ${Array.from({length: rng.int(500, 4000)}, (_, i) => `p${i}="${i}"`).join(' ')}]`),
    unterminated: () => text(`${head()} [relay@55555 src_ip="${ip(rng)}" command="${rng.string(rng.int(0, 2000), 'ab \\]')}`),
    'unterminated-element': () => text(`${head()} [relay@55555 src_ip="${ip(rng)}"`),
    cr: () => text(`${head()} [relay@55555 src_ip="${ip(rng)}"] one\rtwo\r${'\r'.repeat(rng.int(0, 20))}`),
    'cr-only': () => text('\r'.repeat(rng.int(1, 100))),
    'long-pri': () => text(`<${'9'.repeat(rng.int(5, 50_000))}>1 ${timestamp(rng)} d s - e -`),
    'long-timestamp': () => text(`<38>1 2026-11-26T13:32:51.${'1'.repeat(rng.int(10, 50_000))}Z d s - e -`),
    'long-header': () => text(`<38>1 ${timestamp(rng)} ${'h'.repeat(rng.int(1000, 60_000))} s - e -`),
    'hostile-command': () => text(validLine(rng, oneLine(rng.pick(commands)))),
    'hostile-msg': () => text(`${head()} [relay@55555 src_ip="${ip(rng)}"] ${rng.pick(['from ', 'src=', 'rhost=', 'CMD ', 'cmd='])}${oneLine(rng.pick(commands))}`),
    'cmd-quotes': () => text(`${head()} - CMD ${'a="\\'.repeat(rng.int(100, 5000))}`),
    junk: () => text(rng.string(rng.int(1, 500), ' <>[]"\\=-:0123456789abcdefTZ')),
    'rfc3164': () => text(`<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8`),
  }
  const kind = rng.pick(Object.keys(kinds))
  return {bytes: kinds[kind](), kind, valid: false}
}

/** A command text that fits on one line (newlines would split it). */
function oneLine(command: string): string {
  return command.slice(0, 20_000).replaceAll('\n', ' ')
}

/**
 * `count` lines, mostly hostile, mixed with valid ones (`valid: true`; some
 * carry a hostile command). None is blank and none holds a newline.
 */
export function fuzzLines(rng: Random, count: number, commands: readonly string[]): FuzzLine[] {
  const lines: FuzzLine[] = []
  for (let i = 0; i < count; i++) {
    if (rng.chance(0.35)) {
      // a newline would split the line; a trailing CR would be taken as part of the line ending
      const command = rng.chance(0.3) ? rng.pick(commands).slice(0, 3000).replaceAll(/[\n\r]/g, ' ') : undefined
      lines.push({bytes: Buffer.from(validLine(rng, command), 'utf8'), kind: command === undefined ? 'valid' : 'valid-hostile-command', valid: true})
    } else {
      lines.push(hostileLine(rng, commands))
    }
  }

  return lines
}
