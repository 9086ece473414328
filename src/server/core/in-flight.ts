// The requests being answered right now (sys/in-flight-req): registered by the HTTP layer, read by the sys/ backend.
import { uuid } from '../../lib/random.ts'

export interface InFlightRequest {
  readonly startTime: number
  readonly remoteAddress: string
  /** The URL path only: a query string may carry request data. */
  readonly path: string
  readonly method: string
}

/** Lives as long as the process, like the metrics: requests arrive while sealed too. */
export class InFlightRequests {
  readonly #requests = new Map<string, InFlightRequest>()

  /** Note a request as started; the returned function ends it (safe to call twice). */
  begin(request: InFlightRequest): () => void {
    const id = uuid()
    this.#requests.set(id, request)
    return () => {
      this.#requests.delete(id)
    }
  }

  snapshot(): [string, InFlightRequest][] {
    return [...this.#requests]
  }

  get size(): number {
    return this.#requests.size
  }
}
