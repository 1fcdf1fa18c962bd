/** The unit's base name, `decnet-NAME`: also its state directory, syslog identifier and dynamic user. */
export function unitBaseName(fleet: string): string {
  return `decnet-${fleet}`
}

/** The optional environment file a fleet's unit reads (root-only; for secrets such as a database password). */
export function environmentFile(fleet: string): string {
  return `/etc/decnet/${fleet}.env`
}
