// Launcher for spawners that run this helper with plain node (`node test/helpers/run-profiler.js ...`):
// loads tsx, then runs the TypeScript entry, run-profiler.ts. A spawner that starts node with
// `--import tsx` can run run-profiler.ts directly; once every spawner does, this file can go.
import 'tsx'

await import('./run-profiler.ts')
