// One lazily opened broker connection per sink: opened on the first delivery, dropped on failure or loss, reopened on the next.
import { errorMessage } from '../../lib/error-message.ts'

/** An open connection and a promise that rejects once the library reports it lost (so a pending publish fails at once). */
export interface Opened<C> {
  client: C
  lost: Promise<never>
  close(): Promise<void> | void
}

export interface BrokerConnection<C> {
  /** Run one delivery on the current connection (opening it if needed); fails if the connection is lost meanwhile. */
  use(deliver: (client: C) => Promise<void>): Promise<void>
  /** Drop the connection; the next delivery opens a new one. */
  reset(): void
  /** Drop the connection and wait until it is closed (shutdown). */
  close(): Promise<void>
}

/**
 * The libraries reconnect by themselves, but a publish made while they do is buffered with no one waiting for it;
 * the sink's retry loop owns reconnection instead, so a failed attempt is always seen, retried and counted.
 * Every error leaving here has the sink's secrets (password, token, a URL's userinfo) replaced.
 */
export function brokerConnection<C>(open: () => Promise<Opened<C>>, secrets: string[]): BrokerConnection<C> {
  let current: Promise<Opened<C>> | undefined
  const close = async () => {
    const old = current
    current = undefined
    await old?.then((c) => c.close()).catch(() => undefined)
  }
  const reset = () => void close()
  return {
    async use(deliver) {
      current ??= open()
      const used = current
      try {
        const opened = await used
        await Promise.race([deliver(opened.client), opened.lost])
      } catch (error) {
        // Whatever failed, the next attempt starts from a fresh connection; an attempt the sink abandoned (timed
        // out) and that fails later must not close the connection its successor opened.
        if (current === used) reset()
        throw new Error(redact(errorMessage(error), secrets))
      }
    },
    reset,
    close,
  }
}

/** Replace each secret (and its URL-encoded form) in a library's error text. */
export function redact(text: string, secrets: string[]): string {
  let out = text
  for (const secret of secrets.filter((s) => s.length > 0))
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[redacted]')
  return out
}

/** A promise that rejects with `reason` when `subscribe` reports the loss; handled, so it never warns unobserved. */
export function lossSignal(subscribe: (lost: (reason: string) => void) => void): Promise<never> {
  const lost = new Promise<never>((_, reject) => subscribe((reason) => reject(new Error(reason))))
  lost.catch(() => undefined)
  return lost
}
