// Live event subscriptions (the WebSocket stream): each event is checked against the subscriber's token and policies when it is sent.
import { eventTypeMatches } from '../../policy/event-type-pattern.ts'
import { effectivePolicies } from '../identity/effective.ts'
import type { UnsealedServices } from '../services.ts'
import { tokenAddressAllowed } from '../token/token-entry.ts'
import type { EventBus } from './event-bus.ts'
import type { EventFilter } from './event-filter.ts'
import type { PublishedEvent } from './published-event.ts'

/** Where a subscription's events go: the WebSocket, as the HTTP adapter wraps it. */
export interface SubscriberChannel {
  send(text: string): void
  /** Close the connection with a WebSocket close code and a reason (no secret in it). */
  close(code: number, reason: string): void
}

export interface SubscriptionRequest {
  /** The caller's token: looked up again for every event, so a revoked or expired one receives nothing more. */
  token: string
  remoteAddress: string
  /** The event type pattern of the URL; `*` matches any characters. */
  eventType: string
  filter: EventFilter
}

/** WebSocket close codes: 1008 policy violation (token gone), 1001 going away (sealed, shutting down). */
export const CLOSE_TOKEN_GONE = 1008
export const CLOSE_GOING_AWAY = 1001
export const CLOSE_TOO_SLOW = 1013

/** Events waiting for their policy check; a subscriber this far behind is cut off rather than held in memory. */
const MAX_PENDING = 10_000

export type SubscriptionServices = Pick<UnsealedServices, 'tokens' | 'identity' | 'policies'>

class Subscription {
  readonly idHash: string
  readonly #services: SubscriptionServices
  readonly #request: SubscriptionRequest
  readonly #channel: SubscriberChannel
  readonly #onClose: (sub: Subscription) => void
  /** Events are checked one after another, so they are sent in the order they were published. */
  #chain: Promise<void> = Promise.resolve()
  #pending = 0
  #closed = false

  constructor(
    idHash: string,
    services: SubscriptionServices,
    request: SubscriptionRequest,
    channel: SubscriberChannel,
    onClose: (sub: Subscription) => void,
  ) {
    this.idHash = idHash
    this.#services = services
    this.#request = request
    this.#channel = channel
    this.#onClose = onClose
  }

  offer(event: PublishedEvent): void {
    if (this.#closed) return
    if (!eventTypeMatches(this.#request.eventType, event.type)) return
    if (++this.#pending > MAX_PENDING) {
      this.close(CLOSE_TOO_SLOW, 'subscriber too far behind')
      return
    }
    this.#chain = this.#chain.then(async () => {
      this.#pending--
      if (this.#closed) return
      try {
        // The subscriber's filter runs here, off the publishing request's path.
        if (this.#request.filter(event) && (await this.#mayReceive(event))) this.#channel.send(event.json)
      } catch {
        this.close(CLOSE_GOING_AWAY, 'could not check the subscription')
      }
    })
  }

  /**
   * Checks the token once the subscription is registered: a revocation made between the subscribe request's
   * authorisation and now closed nothing (the stream was not yet known), and must not wait for an event to be heard.
   */
  confirm(): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#closed) return
      try {
        await this.#liveToken()
      } catch {
        this.close(CLOSE_GOING_AWAY, 'could not check the subscription')
      }
    })
  }

  /** The token's entry when it is still good; otherwise the subscription is closed (1008) and undefined returned. */
  async #liveToken() {
    const entry = await this.#services.tokens.lookup(this.#request.token)
    if (!entry || !tokenAddressAllowed(entry, this.#request.remoteAddress)) {
      this.close(CLOSE_TOKEN_GONE, 'token revoked or expired')
      return undefined
    }
    return entry
  }

  /** The token as it is now: revoked, expired, or its entity disabled ends the subscription. */
  async #mayReceive(event: PublishedEvent): Promise<boolean> {
    const services = this.#services
    const entry = await this.#liveToken()
    if (!entry) return false
    const effective = await effectivePolicies(services.identity, entry)
    if (!effective) {
      this.close(CLOSE_TOKEN_GONE, 'token entity disabled')
      return false
    }
    const acl =
      services.policies.cachedAcl(effective.names, effective.identity) ??
      (await services.policies.acl(effective.names, effective.identity))
    return acl.allowsEvent(event.dataPath, event.type)
  }

  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#onClose(this)
    this.#channel.close(code, reason)
  }

  /** Resolves once every event offered so far has been checked (and sent or not). */
  settled(): Promise<void> {
    return this.#chain
  }

  /** The client went away: nothing more is sent. */
  ended(): void {
    if (this.#closed) return
    this.#closed = true
    this.#onClose(this)
  }
}

export interface OpenSubscription {
  /** Call when the client closed the connection. */
  ended(): void
  /** Resolves once every event offered so far has been checked and sent or skipped (tests, shutdown). */
  settled(): Promise<void>
}

/** Every open subscription of this node; core closes them at seal and when their token is revoked. */
export class Subscriptions {
  readonly #open = new Set<Subscription>()
  readonly #bus: EventBus
  #unsubscribe: (() => void) | undefined

  constructor(bus: EventBus) {
    this.#bus = bus
  }

  get size(): number {
    return this.#open.size
  }

  /** Start streaming to `channel`; the token must have been authorised (read on sys/events/subscribe/<type>). */
  open(
    services: SubscriptionServices,
    idHash: string,
    request: SubscriptionRequest,
    channel: SubscriberChannel,
  ): OpenSubscription {
    const sub = new Subscription(idHash, services, request, channel, (s) => this.#forget(s))
    this.#open.add(sub)
    this.#unsubscribe ??= this.#bus.subscribe((event) => {
      for (const s of this.#open) s.offer(event)
    })
    sub.confirm()
    return { ended: () => sub.ended(), settled: () => sub.settled() }
  }

  /** A token was revoked (or expired and was swept): its subscriptions are closed at once. */
  tokenRevoked(idHash: string): void {
    for (const sub of [...this.#open]) if (sub.idHash === idHash) sub.close(CLOSE_TOKEN_GONE, 'token revoked')
  }

  /** Sealing or stepping down: every subscriber is told to go away (and reconnect to the active node). */
  closeAll(reason: string): void {
    for (const sub of [...this.#open]) sub.close(CLOSE_GOING_AWAY, reason)
  }

  #forget(sub: Subscription): void {
    this.#open.delete(sub)
    if (this.#open.size === 0) {
      this.#unsubscribe?.()
      this.#unsubscribe = undefined
    }
  }
}
