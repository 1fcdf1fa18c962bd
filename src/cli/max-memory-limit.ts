/** The largest `--max-memory` accepted, in MiB (1 TiB). Its own module: the lean path of `decnet fleet NAME` checks it without loading oclif. */
export const MAX_MEMORY_FLAG_LIMIT_MB = 1_048_576
