// MQTT sink transport: each event is published at QoS 1 on <topic_prefix>/<event type>, resolved by the broker's PUBACK.
import { type MqttAuth, MqttConnection } from './mqtt-client.ts'
import type { SinkMessage, SinkTransport } from './sink.ts'

export interface MqttSinkOptions {
  address: string
  topicPrefix: string
  auth: MqttAuth
}

/** kv-v2/data-write → coffer/events/kv-v2/data-write; MQTT wildcards never appear in a topic published to. */
export function mqttTopic(prefix: string, eventType: string): string {
  return `${prefix}/${eventType.replace(/[+#]/g, '_')}`
}

export function mqttTransport(opts: MqttSinkOptions): SinkTransport {
  let connection: Promise<MqttConnection> | undefined
  const reset = () => {
    const old = connection
    connection = undefined
    old?.then((c) => c.close()).catch(() => undefined)
  }
  return {
    deliver: async (message: SinkMessage) => {
      connection ??= MqttConnection.connect(opts.address, opts.auth)
      const mqtt = await connection
      await mqtt.publish(mqttTopic(opts.topicPrefix, message.type), message.body)
    },
    reset,
    close: async () => reset(),
  }
}
