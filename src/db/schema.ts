/**
 * The database schema as kysely sees it. One interface per table; columns in
 * snake_case. Timestamps are ISO-8601 UTC strings with milliseconds
 * (`2026-11-26T13:32:51.123Z`) in both dialects, so they sort as text. JSON
 * columns hold JSON text in both dialects. Booleans are 0/1 integers.
 *
 * `logs` keeps DECNET's own column names so a DECNET log store reads as is.
 */
import type {Generated, Insertable, Selectable} from 'kysely'

/** One accepted log line (DECNET's column names). */
export interface LogsTable {
  /** Monotonic; workers keep cursors on it. */
  id: Generated<number>
  /** Event time, ISO-8601 UTC. */
  timestamp: string
  /** RFC 5424 HOSTNAME; `-` when NILVALUE. */
  decky: string
  /** RFC 5424 APP-NAME; `-` when NILVALUE. */
  service: string
  /** RFC 5424 MSGID; `-` when NILVALUE. */
  event_type: string
  attacker_ip: string | null
  raw_line: string
  /** JSON object text: the SD parameters (and the `CMD` key=value pairs). */
  fields: string
  msg: string | null
}

/** One line that could not be accepted, kept with where it came from and why. */
export interface RejectedLinesTable {
  id: Generated<number>
  /** File path, or `-` for standard input. */
  source: string
  /** 1-based. */
  line_no: number
  reason: string
  /** The line as text (invalid UTF-8 replaced by U+FFFD). */
  raw_line: string
  received_at: string
}

/** One row per attacker IP, maintained by the profiler. */
export interface AttackersTable {
  ip: string
  first_seen: string
  last_seen: string
  event_count: number
  /** JSON array of the names of the services the attacker reached (see `reachedService`), in first-contact order. */
  services: string
  /** JSON array of decky names, in first-contact order. */
  deckies: string
  /** 1 when the attacker touched two or more deckies. */
  is_traversal: number
  /** Deckies joined with ` -> ` in first-contact order; null when not a traversal. */
  traversal_path: string | null
  auth_attempts: number
  /**
   * JSON object text, the profiler's own bookkeeping: the first contact of
   * each decky and each service, position for position with `deckies` and
   * `services`: `{"deckies": [[timestamp, logId], ...], "services": [...]}`.
   * It lets a tick order deckies by event time (not arrival) without
   * re-reading the attacker's history.
   */
  first_contacts: string
  /** The id of the last log line folded into this row. */
  last_log_id: number
}

/**
 * The commands one profiler tick found for one attacker: one row per
 * attacker per tick, not one per command (see migration 0006).
 */
export interface AttackerCommandBatchesTable {
  ip: string
  /** The log ids of the batch's first and last commands. With `ip`, the key: the attacker's commands between them are fixed once visible, so an equal key means equal commands. */
  first_log_id: number
  last_log_id: number
  /** JSON: `[[logId, timestamp, decky, service, command], ...]`, in log order. */
  commands: string
}

/**
 * The credentials attackers tried, one row per (attacker, decky, service,
 * secret kind, secret, principal), maintained by the profiler in the same
 * transaction as its cursor (see migration 0008).
 */
export interface CredentialsTable {
  /** The attacker IP; `''` when the line named none (FTP and MQTT send no IP with a credential). */
  attacker_ip: string
  decky: string
  service: string
  /** `plaintext`, `ntlmssp_v2`, ... (at most 64 characters). */
  secret_kind: string
  /** SHA-256 (hex) of the secret's exact bytes, all of them. */
  secret_sha256: string
  /** Who authenticated (at most 256 characters); `''` when no one was named. */
  principal: string
  /** The secret's exact bytes (the first 1,024), as standard base64. */
  secret_b64: string
  /** How many bytes the secret has. */
  secret_bytes: number
  /** The NTLM domain first seen with it, or null. */
  domain: string | null
  /** Lines that carried it. */
  attempts: number
  /** Of those, the ones whose `outcome` said `success`, and `failure`. */
  successes: number
  failures: number
  /** Earliest and latest event time of those lines, ISO-8601 UTC. */
  first_seen: string
  last_seen: string
  /** The first and last log ids folded into the row: a write of lines at or below `last_log_id` is a replay, and is skipped. */
  first_log_id: number
  last_log_id: number
}

/**
 * What an attacker did with each service it reached: one row per kind of
 * activity seen, `interaction` (a command, a mail, a file, a session...) or
 * `scan` (a connection, a login attempt, a request). Written by the profiler
 * with `attackers`, once per (ip, service, kind) (see migration 0008).
 */
export interface AttackerServicesTable {
  ip: string
  service: string
  /** `interaction` or `scan`. */
  kind: string
  /** The first log line of the attacker that showed it. */
  first_log_id: number
}

/**
 * The artifacts DECNET recorded of an attacker, one row per log line: files
 * it captured (`file_captured`) and sessions it recorded
 * (`session_recorded`), and mail it stored (`message_stored`, kind `mail`,
 * since 0014's code; no migration). Written by the profiler with `attackers`
 * (see migration 0008).
 */
export interface AttackerArtifactsTable {
  /** The log line's id: a replay writes nothing new. */
  log_id: number
  ip: string
  /** `file`, `session` or `mail`. */
  kind: string
  /** Event time, ISO-8601 UTC. */
  timestamp: string
  decky: string
  service: string
  /** JSON: the artifact (see `extractArtifact`) without its kind. */
  details: string
}

/**
 * An attacker's behaviour, one row per attacker, maintained by the profiler
 * in the same transaction as its cursor (see migration 0012).
 */
export interface AttackerBehaviorTable {
  ip: string
  /** The last log line folded in: lines at or below it are never folded again. */
  last_log_id: number
  /** `scanning`, `beaconing`, ... (see `classifyBehavior`). */
  behavior_class: string
  /** JSON: the running aggregates (see `BehaviorStateJson`). */
  state: string
  /** JSON: the behaviour section derived from them (see `AttackerBehavior`). */
  profile: string
}

/** One ATT&CK tag per (event, rule, technique). */
export interface TtpTagsTable {
  /** Deterministic: 32 hex digits, the log id (12) then a hash of log_id, rule_id and technique (20); see `tagId`. */
  id: string
  log_id: number
  attacker_ip: string | null
  rule_id: string
  rule_version: number
  /** e.g. `TA0007` */
  tactic: string
  /** e.g. `T1082`, or the parent of a sub-technique (`T1059`). */
  technique_id: string
  /** e.g. `T1059.004`, or null. */
  sub_technique_id: string | null
  /** 0..1 */
  confidence: number
  /** The matched text. */
  evidence: string
  timestamp: string
  /** The ATT&CK release (`18.1`) the rule was checked against; null for tags made before migration 0010. */
  attack_version: string | null
}

/**
 * The failed logins the TTP worker has tagged, one row per log line: what the
 * brute-force look-back reads (by `ip` and `timestamp`), so `logs` needs no
 * index for it. Written in the same transaction as the worker's cursor.
 */
export interface AuthFailuresTable {
  /** The `logs.id` of the failure: makes replays idempotent. */
  log_id: number
  ip: string
  /** The log line's timestamp, as stored in `logs`. */
  timestamp: string
  /** Who the login was for, when the line said (migration 0015; null before). */
  principal: string | null
  /** SHA-256 (hex) of the secret tried, when the line carried one (migration 0015; null before). */
  secret_sha256: string | null
}

/** One credential (kind, principal, secret) and where it was first used, for credential stuffing (migration 0015). */
export interface CredentialPairsTable {
  /** SHA-256 (hex) of the secret kind, principal and secret hash. */
  pair_key: string
  first_log_id: number
  first_ip: string
  /** `decky/service` of the first use. */
  first_target: string
  /** The first line using it from another attacker or on another target; null until one does. */
  spread_log_id: number | null
}

/** The line an attacker was tagged on as credential stuffing (migration 0015). */
export interface CredentialStuffersTable {
  ip: string
  tagged_log_id: number
}

/** An attacker's latest event times for the beaconing rule (migration 0015). */
export interface TtpBeaconsTable {
  ip: string
  /** The last log line folded in: lines at or below it are never folded again. */
  last_log_id: number
  /** JSON: see `BeaconStateJson`. */
  state: string
}

/** What the operator's GeoIP and ASN databases say of an attacker IP (see migration 0013). */
export interface AttackerGeoTable {
  ip: string
  /** ISO 3166-1 alpha-2. */
  country: string | null
  asn: number | null
  as_name: string | null
  /** The answering databases' types and builds (`GeoLite2-Country@1700000000,-`). */
  source: string
  updated_at: string
}

/** Per-worker progress. */
export interface WorkerStateTable {
  /** e.g. `profiler`, `ttp`. */
  worker: string
  /** The last `logs.id` fully processed. */
  cursor: number
  updated_at: string
}

/**
 * Which instance runs each kind of worker (several fleets on one database
 * take turns). Times come from the database's clock, so hosts whose clocks
 * disagree still agree on who holds a lease.
 */
export interface WorkerLeaseTable {
  /** The kind of worker, e.g. `profiler`, `ttp`. */
  worker: string
  /** `HOST:PID:RANDOM` of the instance holding it; null when released. */
  holder: string | null
  /** When the current holder took it, ISO-8601 UTC; null when released. */
  acquired_at: string | null
  /** When it lapses unless renewed, ISO-8601 UTC; `''` when released (earlier than any time). */
  expires_at: string
}

/**
 * How far `decnet ingest` got in one input it can recognise again (a file,
 * or standard input named with `--source`); see migration 0007.
 */
export interface IngestSourcesTable {
  /** `file:DEVICE:INODE` or `stream:NAME`. */
  source_key: string
  /** The file as last named, or the stream's name. */
  path: string
  /** SHA-256 (hex) of the input's first `fingerprint_bytes` bytes. */
  fingerprint: string
  fingerprint_bytes: number
  /** Where the bytes after the last committed line start. */
  byte_offset: number
  /** The last committed line's number. */
  line_no: number
  updated_at: string
}

/**
 * The fingerprints attackers showed, one row per (attacker, family, value),
 * maintained by the profiler in the same transaction as its cursor (see
 * migration 0011).
 */
export interface AttackerFingerprintsTable {
  attacker_ip: string
  /** The family: `http_useragent`, `ja3`, `hassh_server`, ... */
  type: string
  /** SHA-256 (hex) of the whole value: the identity. */
  value_sha256: string
  /** What identifies it (the first 1,024 characters). */
  value: string
  /** JSON object text: the descriptive fields of the first line that showed it. */
  details: string
  /** Lines that showed it. */
  count: number
  /** Earliest and latest event time of those lines, ISO-8601 UTC. */
  first_seen: string
  last_seen: string
  /** The first and last log ids folded into the row: a write of lines at or below `last_log_id` is a replay, and is skipped. */
  first_log_id: number
  last_log_id: number
}

/**
 * The mail domains attackers tried to reach, one row per (attacker, domain),
 * maintained by the profiler in the same transaction as its cursor (see
 * migration 0014).
 */
export interface AttackerSmtpTargetsTable {
  attacker_ip: string
  /** Lower case, an IDN as its `xn--` A-label (see `addressDomain`). */
  domain: string
  /** `RCPT TO` lines naming it. */
  count: number
  /** Accepted messages (`message_accepted`) addressed to it. */
  messages: number
  /** Earliest and latest event time of those lines, ISO-8601 UTC. */
  first_seen: string
  last_seen: string
  /** The first and last log ids folded into the row: a write of lines at or below `last_log_id` is a replay, and is skipped. */
  first_log_id: number
  last_log_id: number
}

/** The whole database. */
/**
 * The alerts queued for the webhook (migration 0016), oldest first by `id`;
 * a row is deleted once a receiver took it (2xx).
 */
export interface AlertOutboxTable {
  id: Generated<number>
  /** Unique: kind, attacker and technique joined by spaces (see `alertKey`). */
  alert_key: string
  /** `attacker.first_seen` or `attacker.technique`. */
  kind: string
  attacker_ip: string
  technique_id: string | null
  tactic: string | null
  /** The time of the log line that showed it. */
  seen_at: string
  log_id: number
  /** JSON: `{decky?, service?, ruleId?}`. */
  details: string
  queued_at: string
}

/** A row to insert into `alert_outbox`. */
export type NewOutboxAlert = Insertable<AlertOutboxTable>

export interface Database {
  logs: LogsTable
  rejected_lines: RejectedLinesTable
  attackers: AttackersTable
  attacker_command_batches: AttackerCommandBatchesTable
  credentials: CredentialsTable
  attacker_fingerprints: AttackerFingerprintsTable
  attacker_smtp_targets: AttackerSmtpTargetsTable
  attacker_services: AttackerServicesTable
  attacker_artifacts: AttackerArtifactsTable
  attacker_behavior: AttackerBehaviorTable
  attacker_geo: AttackerGeoTable
  ttp_tags: TtpTagsTable
  auth_failures: AuthFailuresTable
  credential_pairs: CredentialPairsTable
  credential_stuffers: CredentialStuffersTable
  ttp_beacons: TtpBeaconsTable
  worker_state: WorkerStateTable
  worker_lease: WorkerLeaseTable
  ingest_sources: IngestSourcesTable
  alert_outbox: AlertOutboxTable
}

export type LogRow = Selectable<LogsTable>
export type NewLog = Insertable<LogsTable>
export type AttackerRow = Selectable<AttackersTable>
export type CredentialRow = Selectable<CredentialsTable>
export type FingerprintRow = Selectable<AttackerFingerprintsTable>
export type TtpTagRow = Selectable<TtpTagsTable>
export type NewTtpTag = Insertable<TtpTagsTable>
export type NewAuthFailure = Insertable<AuthFailuresTable>
