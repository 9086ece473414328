// NATS sink transport: each event is published on <subject_prefix>.<event type with / as .>, confirmed by a PING/PONG round trip.
import { type NatsAuth, NatsConnection } from './nats-client.ts'
import type { SinkMessage, SinkTransport } from './sink.ts'

export interface NatsSinkOptions {
  address: string
  subjectPrefix: string
  auth: NatsAuth
}

/** kv-v2/data-write → coffer.events.kv-v2.data-write: NATS subjects are dot-separated tokens. */
export function natsSubject(prefix: string, eventType: string): string {
  return `${prefix}.${eventType.replaceAll('/', '.').replace(/[\s*>]/g, '_')}`
}

export function natsTransport(opts: NatsSinkOptions): SinkTransport {
  let connection: Promise<NatsConnection> | undefined
  const connect = () => {
    connection ??= NatsConnection.connect(opts.address, opts.auth)
    return connection
  }
  const reset = () => {
    const old = connection
    connection = undefined
    old?.then((c) => c.close()).catch(() => undefined)
  }
  return {
    deliver: async (message: SinkMessage) => {
      const nats = await connect()
      nats.publish(natsSubject(opts.subjectPrefix, message.type), message.body)
      await nats.flush()
    },
    reset,
    close: async () => reset(),
  }
}
