// Deadlines for waits in tests: they turn a hang into a failure that says what never happened; they time nothing.
import { setTimeout as delay } from 'node:timers/promises'

/** Settles like `promise`, or rejects naming `what` if it has not settled within `ms` (generous: the CI box is slow). */
export async function withDeadline<T>(promise: Promise<T>, what: string, ms = 60_000): Promise<T> {
  const abort = new AbortController()
  const expired = delay(ms, undefined, { signal: abort.signal }).then(() => {
    throw new Error(`${what}: still waiting after ${ms / 1000} s`)
  })
  try {
    return await Promise.race([promise, expired])
  } finally {
    abort.abort()
    expired.catch(() => {})
  }
}
