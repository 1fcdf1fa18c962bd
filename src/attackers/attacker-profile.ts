/**
 * The attacker profile as `decnet attackers` shows it (the JSON contract of
 * `decnet attackers --json` and `decnet attackers show IP --json`).
 */

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
  eventCount: number
  /** In first-seen order. */
  services: string[]
  /** In first-contact order. */
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
}
