// Live event subscriptions (the WebSocket stream): each event is checked against the token when sent, and a change of the token's policies closes the stream.
import { eventTypeMatches } from '../../policy/event-type-pattern.ts'
import type { AccessChangeScope } from '../access-change.ts'
import { effectivePolicies } from '../identity/effective.ts'
import type { UnsealedServices } from '../services.ts'
import { tokenAddressAllowed } from '../token/token-entry.ts'
import type { EventBus } from './event-bus.ts'
import type { EventFilter } from './event-filter.ts'
import type { PublishedEvent } from './published-event.ts'
import { type TokenAccess, tokenAccess } from './token-access.ts'

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
  /**
   * `tokenAccess` as read before the stream was accepted (its client can have read nothing under it before): if
   * the token's access is no longer that once the stream is registered, it is closed (CLOSE_ACCESS_CHANGED), since
   * no recheck was listening for the change.
   */
  access?: string
  /** The token's entity ('' for none): changes scoped to other entities are not looked at. Unknown: every change. */
  entityId?: string
}

/** WebSocket close codes: 1008 policy violation (token gone), 1001 going away (sealed, shutting down). */
export const CLOSE_TOKEN_GONE = 1008
export const CLOSE_GOING_AWAY = 1001
export const CLOSE_TOO_SLOW = 1013
/**
 * A private-use code (4000-4999): the token's effective policies changed (a policy it holds was written or deleted,
 * its entity or one of its groups changed). Its client may hold values read under the old access: it should drop
 * them and subscribe again.
 */
export const CLOSE_ACCESS_CHANGED = 4001
export const ACCESS_CHANGED_REASON = 'access changed: resubscribe'

/** Events waiting for their policy check; a subscriber this far behind is cut off rather than held in memory. */
const MAX_PENDING = 10_000

export type SubscriptionServices = Pick<UnsealedServices, 'tokens' | 'identity' | 'policies'>

class Subscription {
  readonly idHash: string
  readonly #services: SubscriptionServices
  readonly #request: SubscriptionRequest
  readonly #channel: SubscriberChannel
  readonly #onClose: (sub: Subscription) => void
  /** What the token's effective policies were when the stream was confirmed; undefined until then. */
  #access: string | undefined
  /** The effective policy names the access was read from (unchanged while the stream is open: a change closes it). */
  #names: readonly string[] | undefined
  /** A change was announced while confirm was reading the access. */
  #dirty = false
  /** An access check under way, and whether another change came while it ran (it may have read before it). */
  #checking: Promise<void> | undefined
  #checkAgain = false
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
   * Likewise a change of its access since `request.access` was read: no recheck was listening for it.
   */
  confirm(): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#closed) return
      try {
        let expected = this.#request.access
        for (let reading = 1; ; reading++) {
          this.#dirty = false
          const access = await this.#currentAccess()
          if (access === undefined) return
          if (expected !== undefined && access.digest !== expected) {
            this.close(CLOSE_ACCESS_CHANGED, ACCESS_CHANGED_REASON)
            return
          }
          // A change announced during the reading may or may not be in it: read again, and compare.
          if (!this.#dirty) {
            this.#access = access.digest
            this.#names = access.names
            return
          }
          // Changes keep coming: starting again is as good as waiting for a quiet moment.
          if (reading === 3) {
            this.close(CLOSE_ACCESS_CHANGED, ACCESS_CHANGED_REASON)
            return
          }
          expected = access.digest
        }
      } catch {
        this.close(CLOSE_GOING_AWAY, 'could not check the subscription')
      }
    })
  }

  /** Whether a change so scoped can concern this stream's token (when unsure, it can). */
  concerns(scope: AccessChangeScope): boolean {
    const entityId = this.#request.entityId
    if (scope.entityIds && entityId !== undefined && !scope.entityIds.includes(entityId)) return false
    // Names are known once confirmed; until then the change marks the confirmation's reading as in doubt.
    if (scope.policy !== undefined && this.#names && !this.#names.includes(scope.policy)) return false
    return true
  }

  /**
   * A policy or identity change was stored: closes the stream when the token's effective policies are no longer
   * what they were (1008 when its entity was disabled or the token is gone). Runs beside the event chain, so a
   * backlog of events does not hold it up; resolves once checked (the writer awaits it before answering).
   */
  recheck(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    // Not confirmed yet: its reading may predate the change, and confirm reads again.
    if (this.#access === undefined) {
      this.#dirty = true
      return Promise.resolve()
    }
    if (this.#checking) {
      this.#checkAgain = true
      return this.#checking
    }
    const run = async () => {
      do {
        this.#checkAgain = false
        try {
          const access = await this.#currentAccess()
          if (access !== undefined && access.digest !== this.#access)
            this.close(CLOSE_ACCESS_CHANGED, ACCESS_CHANGED_REASON)
        } catch {
          this.close(CLOSE_GOING_AWAY, 'could not check the subscription')
        }
      } while (this.#checkAgain && !this.#closed)
    }
    this.#checking = run().finally(() => {
      this.#checking = undefined
    })
    return this.#checking
  }

  /** `tokenAccess` now; undefined, with the stream closed (1008), when the token is gone or its entity disabled. */
  async #currentAccess(): Promise<TokenAccess | undefined> {
    const entry = await this.#liveToken()
    if (!entry) return undefined
    const access = await tokenAccess(this.#services, entry)
    if (access === undefined) this.close(CLOSE_TOKEN_GONE, 'token entity disabled')
    return access
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

  /** Resolves once every event offered so far, and any access check under way, has been checked. */
  async settled(): Promise<void> {
    await this.#chain
    await this.#checking
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

/**
 * Every open subscription of this node; core closes them at seal, when their token is revoked, and when their token's
 * effective policies change.
 */
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

  /**
   * A policy or identity change was stored: every open stream whose token's effective policies changed is closed
   * (CLOSE_ACCESS_CHANGED). Only streams the scope can concern are looked at. Resolves once each was checked;
   * never rejects.
   */
  async accessChanged(scope: AccessChangeScope = {}): Promise<void> {
    const concerned = [...this.#open].filter((sub) => sub.concerns(scope))
    await Promise.all(concerned.map((sub) => sub.recheck()))
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
