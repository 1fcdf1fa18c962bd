// Preloaded with `node --import` by bench/memory.js: on exit, writes the process's peak RSS
// (all threads: getrusage ru_maxrss, in KiB) to the file named by DECNET_BENCH_RSS_FILE.
import {writeFileSync} from 'node:fs'

const file = process.env.DECNET_BENCH_RSS_FILE
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)))
