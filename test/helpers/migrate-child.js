// Launcher for spawners that run this helper with plain node (`node test/helpers/migrate-child.js ...`):
// loads tsx, then runs the TypeScript entry, migrate-child.ts. A spawner that starts node with
// `--import tsx` can run migrate-child.ts directly; once every spawner does, this file can go.
import 'tsx'

await import('./migrate-child.ts')
