// NATS sink transport (the `nats` client): each event is published on <subject_prefix>.<event type with / as .>, confirmed by a flush (PING/PONG).
import { connect, type NatsConnection } from 'nats'
import { brokerConnection, lossSignal } from './broker-connection.ts'
import type { SinkMessage, SinkTransport } from './sink.ts'

export interface NatsSinkOptions {
  /** host:port, or a nats:// / tls:// URL (TLS is also used whenever the server requires it). */
  address: string
  subjectPrefix: string
  auth: { user?: string; pass?: string; token?: string }
  connectTimeoutMs: number
}

/** kv-v2/data-write → coffer.events.kv-v2.data-write: NATS subjects are dot-separated tokens. */
export function natsSubject(prefix: string, eventType: string): string {
  return `${prefix}.${eventType.replaceAll('/', '.').replace(/[\s*>]/g, '_')}`
}

export function natsTransport(opts: NatsSinkOptions): SinkTransport {
  const connection = brokerConnection<NatsConnection>(async () => {
    const nc = await connect({
      servers: opts.address,
      name: 'coffer-events',
      ...opts.auth,
      // The client drops the scheme from a server URL; tls:// demands TLS (it fails against a plain-text server).
      ...(opts.address.startsWith('tls://') ? { tls: {} } : {}),
      timeout: opts.connectTimeoutMs,
      // The sink's retry loop reconnects (see broker-connection.ts).
      reconnect: false,
      noEcho: true,
    })
    return {
      client: nc,
      lost: lossSignal((lost) => {
        void nc.closed().then((error) => lost(`NATS connection closed${error ? `: ${error.message}` : ''}`))
      }),
      close: () => nc.close(),
    }
  }, [opts.auth.pass ?? '', opts.auth.token ?? ''])
  return {
    deliver: (message: SinkMessage) =>
      connection.use(async (nc) => {
        nc.publish(natsSubject(opts.subjectPrefix, message.type), message.body)
        // The PONG answering flush's PING means the server has processed the publish before it.
        await nc.flush()
      }),
    reset: () => connection.reset(),
    close: () => connection.close(),
  }
}
