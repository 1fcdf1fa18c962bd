/**
 * The attacker profile as `decnet attackers` shows it (the JSON contract of
 * `decnet attackers --json` and `decnet attackers show IP --json`).
 */
import type {CapturedFile} from '../logs/artifact.js'
import type {StoredMail} from '../logs/mail.js'
import type {AttackerBehavior} from './attacker-behavior.js'

/** One command an attacker ran. */
export interface AttackerCommand {
  /** Event time, ISO-8601 UTC. */
  timestamp: string
  decky: string
  service: string
  command: string
}

/** An ATT&CK technique seen for an attacker. */
export interface TechniqueCount {
  /** The sub-technique when the tag names one (`T1059.004`), else the technique (`T1082`). */
  techniqueId: string
  /** The ATT&CK tactic (`TA0007`). */
  tactic: string
  /** How many of the attacker's log lines carry this technique under this tactic. */
  count: number
}

/** One attacker. */
export interface AttackerProfile {
  ip: string
  /** Earliest event time, ISO-8601 UTC. */
  firstSeen: string
  /** Latest event time, ISO-8601 UTC. */
  lastSeen: string
  /** Every log line of its IP, DECNET's sniffer lines included (see `behavior.timing.eventCount` for the lines of services it reached). */
  eventCount: number
  /** The services it reached, in first-contact order: DECNET's infrastructure producers left out, a recorded session under its own service (see `reachedService`). */
  services: string[]
  /** In first-contact order: every line counts, the sniffer's included. */
  deckies: string[]
  /** True when the attacker touched two or more deckies. */
  isTraversal: boolean
  /** `decky-a -> decky-b`, or null when not a traversal. */
  traversalPath: null | string
  /**
   * In time order. `decnet attackers show` carries them all; a list
   * (`decnet attackers`) only the latest few (see `commandCount`).
   */
  commands: AttackerCommand[]
  /** How many commands the attacker ran in all (each log line once), whether or not `commands` holds them all. */
  commandCount: number
  authAttempts: number
  /** Most frequent first. */
  techniques: TechniqueCount[]
  /** Its behaviour class (`scanning`, `beaconing`, ...), or null when it has none yet. */
  behaviorClass: null | string
  /** ISO 3166-1 alpha-2 country from the operator's GeoIP database (`decnet fleet heavy --geoip-db`); null when none was given or it does not know the IP. */
  country: null | string
  /** Autonomous system number and name from the operator's ASN database (`--asn-db`); null likewise. */
  asn: null | number
  asName: null | string
}

/** A credential one attacker tried on one decky and service (`decnet attackers show`). */
export interface AttackerCredential {
  /** Who it tried to log in as; null when the service named no one. */
  principal: null | string
  /** `plaintext`, `ntlmssp_v2`, `http_bearer`, ... */
  secretKind: string
  /** The secret as an operator may read it: hex for hashes and challenge responses, else text with control and non-UTF-8 bytes as `\xNN` and `\` as `\\`; `…` when longer than the 1,024 bytes kept. */
  secret: string
  /** The secret's exact bytes (the first 1,024), standard base64. */
  secretB64: string
  /** SHA-256 (hex) of all the secret's bytes. */
  secretSha256: string
  service: string
  decky: string
  /** The NTLM domain first seen with it, or null. */
  domain: null | string
  /** `success` when any attempt was said to succeed, else `failure` when any was said to fail; null when the service never said. */
  outcome: 'failure' | 'success' | null
  /** Log lines that carried it. */
  attempts: number
  /** Earliest and latest event time of those lines, ISO-8601 UTC. */
  firstSeen: string
  lastSeen: string
}

/** A fingerprint an attacker showed (`decnet attackers show`): one (family, value). */
export interface AttackerFingerprint {
  /** The family: `http_useragent`, `ja3`, `hassh_server`, ... (docs/profiles.md#fingerprints). */
  type: string
  /** What identifies it within its family (at most 1,024 characters). */
  value: string
  /** Log lines that showed it. */
  count: number
  /** Earliest and latest event time of those lines, ISO-8601 UTC. */
  firstSeen: string
  lastSeen: string
  /** The descriptive fields of the first line that showed it. */
  details: Record<string, unknown>
}

/** The services an attacker reached, by what it did there (DECNET's event-kind buckets). */
export interface ServiceActivity {
  /** Services where a line shows it interacting (a command, a mail, a file, a session, ...), by name. */
  interacted: string[]
  /** Services where it only connected, probed, requested or tried to log in, by name. */
  scanned: string[]
}

/** A file DECNET captured after the attacker wrote it (a `file_captured` line): what the line says of the file (CapturedFile), and where and when. */
export interface AttackerFile extends Omit<CapturedFile, 'kind'> {
  /** Event time, ISO-8601 UTC. */
  timestamp: string
  decky: string
  service: string
}

/** An interactive session DECNET recorded (a `session_recorded` line). */
export interface AttackerSession {
  /** Event time (the session's end), ISO-8601 UTC. */
  timestamp: string
  decky: string
  /** The session's id. */
  id: null | string
  /** The session's own service (`ssh`, `telnet`). */
  service: string
  durationS: null | number
  /** Bytes of transcript. */
  bytes: null | number
  /** Whether the transcript hit DECNET's cap. */
  truncated: boolean | null
  /**
   * The attacker's commands on the same decky inside the session (event time
   * from its start, the end less its duration, to its end), in time order: the
   * first 100 (see `commandCount`). None when the duration is unknown.
   */
  commands: AttackerCommand[]
  /** How many of its commands fell inside the session in all. */
  commandCount: number
}

/** A mail DECNET's open relay stored for the attacker (a `message_stored` line): what the line says of it (StoredMail), and where and when. */
export interface AttackerMail extends Omit<StoredMail, 'kind'> {
  /** Event time, ISO-8601 UTC. */
  timestamp: string
  decky: string
  service: string
}

/** A mail domain the attacker tried to reach (`RCPT TO`, or an accepted message's recipients). */
export interface AttackerSmtpTarget {
  /** Lower case; an IDN as its `xn--` A-label. */
  domain: string
  /** `RCPT TO` lines naming it (accepted, denied, greylisted or rejected). */
  count: number
  /** Accepted messages addressed to it. */
  messages: number
  /** Earliest and latest event time of those lines, ISO-8601 UTC. */
  firstSeen: string
  lastSeen: string
}

/** One attacker's profile as `decnet attackers show` gives it: the profile, its credentials, service activity and artifacts. */
export interface AttackerDetail extends AttackerProfile {
  /** The most tried first (then the latest seen), at most 1,000: see `credentialCount`. */
  credentials: AttackerCredential[]
  /** How many (decky, service, kind, secret, principal) credentials the attacker tried in all. */
  credentialCount: number
  /** Family by family, the most seen first, at most 1,000: see `fingerprintCount`. */
  fingerprints: AttackerFingerprint[]
  /** How many (family, value) fingerprints the attacker showed in all. */
  fingerprintCount: number
  serviceActivity: ServiceActivity
  /** Captured files, the newest first, at most 200. */
  artifacts: AttackerFile[]
  /** Recorded sessions, the newest first, at most 200. */
  sessions: AttackerSession[]
  /** Its behaviour (class, timing, beacon, tools, phases, OS), or null when it has none yet. */
  behavior: AttackerBehavior | null
  /** Stored mail, the newest first, at most 200: see `mailCount`. */
  mail: AttackerMail[]
  /** How many mails DECNET stored for the attacker in all. */
  mailCount: number
  /** The most tried first (then the latest seen), at most 200: see `smtpTargetCount`. */
  smtpTargets: AttackerSmtpTarget[]
  /** How many domains the attacker tried to reach in all. */
  smtpTargetCount: number
}

/** A credential across attackers (`decnet credentials`): one (kind, secret, principal). */
export interface CredentialSummary {
  principal: null | string
  secretKind: string
  /** As in {@link AttackerCredential}. */
  secret: string
  secretB64: string
  secretSha256: string
  /** Log lines that carried it, everywhere. */
  attempts: number
  /** Distinct attacker IPs that tried it (lines naming no attacker are not counted). */
  attackers: number
  deckies: number
  services: number
  /** Distinct decky:service pairs it was tried on: two or more is credential reuse. */
  targets: number
  outcome: 'failure' | 'success' | null
  firstSeen: string
  lastSeen: string
}
