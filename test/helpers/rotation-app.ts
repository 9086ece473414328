// An application using a rotated secret: workers that read AWSCURRENT from Coffer, log in and query, counting every failure.
import type { AppConnection, TestDatabase } from './rotation-databases.ts'

export interface AppOptions {
  workers: number
  /** Log in anew (reading AWSCURRENT first) after this many queries on one connection; undefined: only on reconnect(). */
  loginEvery?: number
}

interface Waiter {
  ready: () => boolean
  resolve: () => void
}

/**
 * Every query, and every login made for one, counts: a failure is recorded and never retried away. Failures are
 * described by the driver's error code only (the password is never part of one).
 */
export class RotatedApp {
  readonly failures: string[] = []
  readonly usernames = new Set<string>()
  queries = 0
  logins = 0
  readonly #db: TestDatabase
  readonly #read: () => Promise<Record<string, unknown>>
  readonly #options: AppOptions
  readonly #iterations: number[]
  #waiters: Waiter[] = []
  #generation = 0
  #stopped = false
  #running: Promise<void>[] = []

  constructor(db: TestDatabase, readCurrent: () => Promise<Record<string, unknown>>, options: AppOptions) {
    this.#db = db
    this.#read = readCurrent
    this.#options = options
    this.#iterations = new Array(options.workers).fill(0)
  }

  start(): void {
    this.#running = this.#iterations.map((_, worker) => this.#work(worker))
  }

  /** Every worker logs in again, with AWSCURRENT read afresh, before its next query. */
  reconnect(): void {
    this.#generation++
  }

  /** Resolves once every worker has completed an iteration that began after this call. */
  settle(): Promise<void> {
    const target = this.#iterations.map((n) => n + 2)
    return new Promise((resolve) => {
      const waiter = { ready: () => this.#iterations.every((n, i) => n >= target[i]!), resolve }
      this.#waiters.push(waiter)
      this.#progress()
    })
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.all(this.#running)
  }

  #progress(): void {
    const ready = this.#waiters.filter((w) => w.ready())
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w))
    for (const waiter of ready) waiter.resolve()
  }

  async #work(worker: number): Promise<void> {
    let conn: AppConnection | undefined
    let used = 0
    let generation = this.#generation
    while (!this.#stopped) {
      try {
        const stale = this.#options.loginEvery !== undefined && used >= this.#options.loginEvery
        if (conn === undefined || generation !== this.#generation || stale) {
          generation = this.#generation
          const current = await this.#read()
          const username = String(current['username'])
          await conn?.close().catch(() => {})
          conn = undefined
          conn = await this.#db.open(username, String(current['password']))
          this.logins++
          this.usernames.add(username)
          used = 0
        }
        await conn.query()
        used++
        this.queries++
      } catch (error) {
        const code = (error as { code?: unknown }).code
        this.failures.push(`worker ${worker}: ${typeof code === 'string' ? code : 'error'}`)
        await conn?.close().catch(() => {})
        conn = undefined
      }
      this.#iterations[worker]!++
      this.#progress()
    }
    await conn?.close().catch(() => {})
  }
}
