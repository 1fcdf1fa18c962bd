/**
 * DECNET log lines: parsing (RFC 5424) and the meaning shared by the
 * workers (which events are commands, which are authentication attempts).
 */
export {ATTACKER_IP_FIELDS, attackerIp, normaliseIp} from './attacker-ip.js'
export {classifyAuth, AUTH_EVENT_TYPES} from './auth.js'
export type {AuthOutcome, AuthSource} from './auth.js'
export {CMD_PREFIX, parseCmdText} from './cmd-text.js'
export {COMMAND_EVENT_TYPES, COMMAND_FIELDS, extractCommand} from './command.js'
export type {CommandSource} from './command.js'
export {readFields} from './fields.js'
export type {FieldsInput} from './fields.js'
export {MAX_LINE_BYTES, NILVALUE, parseLine} from './parse.js'
export type {ParsedLine, ParseResult} from './parse.js'
export {DECNET_SD_ID, parseStructuredData} from './structured-data.js'
export {normaliseTimestamp} from './timestamp.js'
