import type {LineMeaning, LogSemantics} from './fold.js'

import {classifyAuth} from '../../logs/auth.js'
import {COMMAND_FIELDS, commandOf, isCommandEventType} from '../../logs/command.js'
import type {Activity} from '../../logs/activity.js'

import {eventTypeActivity, isServiceName} from '../../logs/activity.js'
import {extractArtifact, isArtifactEventType} from '../../logs/artifact.js'
import {extractCredential} from '../../logs/credential.js'
import {readFields} from '../../logs/fields.js'
import {isSmtpTargetEventType, smtpTargetsOf} from '../../logs/mail.js'
import {BehaviorReader} from './behavior/behavior-signal.js'
import {LineFingerprints} from './fingerprints/line-fingerprints.js'
import {SecretCache} from './secret-cache.js'

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({})
/** The shared meaning of a line with no command and no credential, by whether it is an authentication and its activity. */
const PLAIN_LINES = {
  auth: {interaction: meaning(true, 'interaction'), noise: meaning(true, undefined), scan: meaning(true, 'scan')},
  other: {interaction: meaning(false, 'interaction'), noise: meaning(false, undefined), scan: meaning(false, 'scan')},
} as const
/** `"command"`, `"cmd"`, ...: a field that can hold a command, as it appears in the fields JSON. */
const COMMAND_FIELD_NAME = new RegExp(`"(?:${COMMAND_FIELDS.join('|')})"`)

/**
 * The profiler's reading of lines: src/logs' extractCommand and classifyAuth
 * (shared with the TTP worker), computed the cheap way, since the cold build
 * runs this for every stored line:
 *
 * - whether a line is an authentication attempt depends on its event type
 *   alone (the fields only decide the outcome, which a profile does not
 *   keep), so it is worked out once per event type, as is whether its event
 *   type makes it a command;
 * - the fields JSON is parsed only when its text names a field that can hold
 *   a command (`"command"`, `"cmd"`, ...) or a secret (`"secret_b64"`), or
 *   has a `\u` escape: without any, extractCommand and extractCredential
 *   give the same answer from no fields at all.
 *
 * One instance per profiler (it remembers event types).
 *
 * @example
 * ```ts
 * const profiler = new Profiler(db, {semantics: new ProfilerSemantics()})
 * ```
 */
export class ProfilerSemantics implements LogSemantics {
  readonly #eventTypes = new Map<string, EventType>()
  readonly #fingerprints = new LineFingerprints()
  readonly #behavior = new BehaviorReader()
  readonly #secrets = new SecretCache()

  describe(row: Parameters<LogSemantics['describe']>[0]): LineMeaning {
    const type = this.#typeOf(row.event_type)
    const mayFingerprint = this.#fingerprints.may(row)
    // the fields JSON is parsed once, for whichever reading needs it
    const parsed =
      mayFingerprint || type.isArtifact || type.isSmtpTarget || mayNameCommandField(row.fields) || mayHoldSecret(row.fields) ? readFields(row.fields) : undefined
    const described = this.#describe(row, type, parsed ?? NO_FIELDS)
    const meaning = mayFingerprint ? this.#fingerprints.with(described, row, parsed!) : described
    const behavior = this.#behavior.read(row.event_type, mayFingerprint ? parsed! : row.fields, parsed)
    return behavior === undefined ? meaning : {...meaning, behavior}
  }

  #typeOf(eventType: string): EventType {
    let type = this.#eventTypes.get(eventType)
    if (type === undefined) {
      type = {
        isAuth: classifyAuth({event_type: eventType, fields: NO_FIELDS, msg: null}) !== null,
        isCommand: isCommandEventType(eventType),
        activity: eventTypeActivity(eventType),
        isArtifact: isArtifactEventType(eventType),
        isSmtpTarget: isSmtpTargetEventType(eventType),
      }
      this.#eventTypes.set(eventType, type)
    }

    return type
  }

  /** What `row` means, its fields being `fields` (`NO_FIELDS` when they could name no command, secret, artifact or target). */
  #describe(row: Parameters<LogSemantics['describe']>[0], type: EventType, fields: Readonly<Record<string, unknown>>): LineMeaning {
    const command = commandOf(fields, type.isCommand, row.msg)
    const credential = fields === NO_FIELDS ? null : extractCredential(fields, this.#secrets)
    const activity = row.service === undefined || isServiceName(row.service) ? type.activity : 'noise'
    if (type.isSmtpTarget) {
      const smtpTargets = smtpTargetsOf(row.event_type, fields)
      if (smtpTargets !== null) return withActivity({command, isAuth: type.isAuth, smtpTargets, ...(credential === null ? {} : {credential})}, activity)
    }

    if (type.isArtifact) {
      const artifact = extractArtifact(row.event_type, fields)
      if (artifact !== null) {
        return withActivity({command, isAuth: type.isAuth, artifact, ...(credential === null ? {} : {credential})}, activity)
      }
    }

    if (credential !== null) return withActivity({command, credential, isAuth: type.isAuth}, activity)
    // most lines are no command: share their answer instead of allocating one per line
    if (command === null) return PLAIN_LINES[type.isAuth ? 'auth' : 'other'][activity]
    return withActivity({command, isAuth: type.isAuth}, activity)
  }
}

/** What an event type alone says of a line. */
interface EventType {
  activity: Activity
  isArtifact: boolean
  /** Its lines may name SMTP targets (see `smtpTargetsOf`). */
  isSmtpTarget: boolean
  isAuth: boolean
  isCommand: boolean
}

/**
 * Whether fields JSON text may have a key that can hold a command: it names
 * one (`"command"`, ...), or it has a `\u` escape, which could spell one
 * (`"\u0063md"` is `"cmd"`; JSON.stringify never writes that, a foreign log
 * store might).
 */
function mayNameCommandField(fields: string): boolean {
  return COMMAND_FIELD_NAME.test(fields) || fields.includes('\\u')
}

/** Whether fields JSON text may carry a credential (a `"secret_b64"` key; a `\u`-spelt one is caught above). */
function mayHoldSecret(fields: string): boolean {
  return fields.includes('"secret_b64"')
}

function meaning(isAuth: boolean, activity: 'interaction' | 'scan' | undefined): LineMeaning {
  return Object.freeze(activity === undefined ? {command: null, isAuth} : {activity, command: null, isAuth})
}

function withActivity(line: LineMeaning, activity: Activity): LineMeaning {
  if (activity !== 'noise') line.activity = activity
  return line
}
