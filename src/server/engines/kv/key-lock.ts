// KV's per-key mutex lives in lib so auth methods can share it.
export { KeyLocks } from '../../../lib/key-locks.ts'
