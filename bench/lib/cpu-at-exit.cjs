// Preloaded (node --require) into a process the ingest benchmark times:
// writes the process's user+system CPU seconds to $BENCH_CPU_FILE at exit.
const {writeFileSync} = require('node:fs')

process.on('exit', () => {
  const {user, system} = process.cpuUsage()
  if (process.env.BENCH_CPU_FILE) writeFileSync(process.env.BENCH_CPU_FILE, String((user + system) / 1e6))
})
