// Access reviews kept behind the barrier: started with a snapshot of the evidence, decided grant by grant, closed once.
import { randomUUID } from 'node:crypto'
import { KeyLocks } from '../../../lib/key-locks.ts'
import { rfc3339 } from '../../../lib/time.ts'
import { InvalidRequestError, NotFoundError } from '../../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'

export const DECISIONS = ['keep', 'revoke', 'modify'] as const
export type Decision = (typeof DECISIONS)[number]

/** What a review covers: paths (who-can each) and policies (their rules and holders). */
export interface ReviewScope {
  paths: string[]
  policies: string[]
}

export interface ReviewDecision {
  subject: string
  grant: string
  decision: Decision
  note: string
  decided_by: string
  /** RFC 3339. */
  decided_at: string
}

/** The record as sys/access/reviews/:id returns it; the shape is relied on by compliance reports. */
export interface ReviewRecord {
  id: string
  name: string
  status: 'open' | 'closed'
  scope: ReviewScope
  reviewer: string
  started_at: string
  closed_at: string | null
  decisions: ReviewDecision[]
  evidence: Record<string, unknown>
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Reviews by ID in a storage view of their own (core's, behind the barrier). Every change to one review is a
 * read-modify-write under that review's lock, so concurrent decisions all land and none lands after the close.
 */
export class ReviewStore {
  readonly #storage: Storage
  readonly #now: () => number
  readonly #locks = new KeyLocks()

  constructor(storage: Storage, now: () => number) {
    this.#storage = storage
    this.#now = now
  }

  async list(): Promise<string[]> {
    return (await this.#storage.list('')).filter((key) => ID.test(key)).sort()
  }

  async get(id: string): Promise<ReviewRecord | undefined> {
    if (!ID.test(id)) return undefined
    return getJson<ReviewRecord>(this.#storage, id)
  }

  async start(input: {
    name: string
    scope: ReviewScope
    reviewer: string
    evidence: Record<string, unknown>
  }): Promise<ReviewRecord> {
    const record: ReviewRecord = {
      id: randomUUID(),
      name: input.name,
      status: 'open',
      scope: input.scope,
      reviewer: input.reviewer,
      started_at: rfc3339(this.#now()),
      closed_at: null,
      decisions: [],
      evidence: input.evidence,
    }
    await putJson(this.#storage, record.id, record)
    return record
  }

  decide(
    id: string,
    input: { subject: string; grant: string; decision: Decision; note: string; decidedBy: string },
  ): Promise<ReviewRecord> {
    return this.#change(id, (record) => {
      record.decisions.push({
        subject: input.subject,
        grant: input.grant,
        decision: input.decision,
        note: input.note,
        decided_by: input.decidedBy,
        decided_at: rfc3339(this.#now()),
      })
    })
  }

  close(id: string): Promise<ReviewRecord> {
    return this.#change(id, (record) => {
      record.status = 'closed'
      record.closed_at = rfc3339(this.#now())
    })
  }

  #change(id: string, apply: (record: ReviewRecord) => void): Promise<ReviewRecord> {
    return this.#locks.run(id, async () => {
      const record = await this.get(id)
      if (!record) throw new NotFoundError(`no access review with id "${id}"`)
      if (record.status !== 'open') throw new InvalidRequestError(`access review "${id}" is closed`)
      apply(record)
      await putJson(this.#storage, record.id, record)
      return record
    })
  }
}
