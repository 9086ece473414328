// MQTT sink transport (the `mqtt` client): each event is published at QoS 1 on <topic_prefix>/<event type>, resolved by the broker's PUBACK.
import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { brokerConnection, lossSignal } from './broker-connection.ts'
import type { SinkMessage, SinkTransport } from './sink.ts'

export interface MqttSinkOptions {
  /** host:port, or an mqtt:// / mqtts:// URL. */
  address: string
  topicPrefix: string
  auth: { username?: string; password?: string }
  connectTimeoutMs: number
}

/** kv-v2/data-write → coffer/events/kv-v2/data-write; MQTT wildcards never appear in a topic published to. */
export function mqttTopic(prefix: string, eventType: string): string {
  return `${prefix}/${eventType.replace(/[+#]/g, '_')}`
}

/** host:port → mqtt://host:port; a URL is kept as given. */
export function mqttUrl(address: string): string {
  return address.includes('://') ? address : `mqtt://${address}`
}

export function mqttTransport(opts: MqttSinkOptions): SinkTransport {
  const connection = brokerConnection<MqttClient>(async () => {
    const client = await mqtt.connectAsync(
      mqttUrl(opts.address),
      {
        ...opts.auth,
        clientId: `coffer-events-${randomBytes(6).toString('hex')}`,
        protocolVersion: 4,
        clean: true,
        connectTimeout: opts.connectTimeoutMs,
        // The sink's retry loop reconnects (see broker-connection.ts).
        reconnectPeriod: 0,
      },
      false,
    )
    // Errors after the connection is up arrive as events; an unhandled one would end the process.
    client.on('error', () => undefined)
    return {
      client,
      lost: lossSignal((lost) => client.once('close', () => lost('MQTT connection closed'))),
      close: () => client.endAsync(true),
    }
  }, [opts.auth.password ?? ''])
  return {
    deliver: (message: SinkMessage) =>
      connection.use(async (client) => {
        // At QoS 1 publishAsync resolves on the broker's PUBACK.
        await client.publishAsync(mqttTopic(opts.topicPrefix, message.type), message.body, { qos: 1 })
      }),
    reset: () => connection.reset(),
    close: () => connection.close(),
  }
}
