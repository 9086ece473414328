// The requests being answered right now (sys/in-flight-req): registered by the HTTP layer, read by the sys/ backend.
import { uuid } from '../../lib/random.ts'

export interface InFlightRequest {
  readonly startTime: number
  readonly remoteAddress: string
  /** The URL path only: a query string may carry request data. */
  readonly path: string
  readonly method: string
}

/**
 * Lives as long as the process, like the metrics: requests arrive while sealed too. Registering is on every
 * request's path, so it is a set insertion and nothing more: the ids sys/in-flight-req shows are drawn only when
 * a request is first listed, and kept for it while it runs.
 */
export class InFlightRequests {
  readonly #requests = new Set<InFlightRequest>()
  readonly #ids = new WeakMap<InFlightRequest, string>()

  /** Note a request as started; the returned function ends it (safe to call twice). */
  begin(request: InFlightRequest): () => void {
    this.#requests.add(request)
    return () => {
      this.#requests.delete(request)
    }
  }

  snapshot(): [string, InFlightRequest][] {
    const out: [string, InFlightRequest][] = []
    for (const request of this.#requests) {
      let id = this.#ids.get(request)
      if (id === undefined) {
        id = uuid()
        this.#ids.set(request, id)
      }
      out.push([id, request])
    }
    return out
  }

  get size(): number {
    return this.#requests.size
  }
}
