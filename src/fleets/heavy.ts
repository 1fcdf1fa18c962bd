import type {FleetDefinition} from './types.js'

/**
 * The built-in `heavy` fleet: database-only workers that turn stored log
 * lines into attacker intelligence. They parse attacker-controlled text, so
 * they run with the least privilege there is.
 */
export const heavy: FleetDefinition = Object.freeze({
  name: 'heavy',
  description: 'Attacker profiler and ATT&CK tagger over the log store (database access only)',
  profile: 'database',
  workers: [
    {name: 'profiler', module: './dist/workers/profiler/worker.js', needs: 'database', options: {interval: 60}, usesDatabase: true},
    // V8's young generation bounded to 1 MiB semi-spaces (module loading grew it to 16 MiB, which an idle worker
    // kept) and its old generation compacted at each full collection (freed pages go back; a reload frees a rule
    // set at once): 45 -> 20 MiB idle, with the rules loaded apart (docs/benchmarks.md, "The ttp worker's idle memory")
    {name: 'ttp', module: './dist/workers/ttp/worker.js', needs: 'database', nodeOptions: ['--max-semi-space-size=1', '--compact-on-every-full-gc'], options: {interval: 60}, usesDatabase: true},
    // runs only with --webhook: delivers the alerts the two above queue (docs/webhooks.md)
    {name: 'webhook', module: './dist/workers/alerts/worker.js', needs: 'database', alerts: 'sender', usesDatabase: true},
  ],
}) as FleetDefinition
