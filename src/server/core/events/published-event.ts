// One published change event and its wire form: the CloudEvents-style JSON Vault sends to subscribers and sinks.
import { hostname } from 'node:os'
import { rfc3339 } from '../../../lib/time.ts'

/** Which mount an event came from, as Vault's `plugin_info` names it. */
export interface PluginInfo {
  mountClass: 'secret' | 'auth'
  mountAccessor: string
  mountPath: string
  plugin: string
}

/** An event as the bus carries it: complete, immutable, ready to be filtered, authorised and sent. */
export interface PublishedEvent {
  id: string
  /** e.g. "kv-v2/data-write". */
  type: string
  /** Unix milliseconds. */
  time: number
  /** String metadata, always with `path` and `data_path` (full paths, mount included). Never a secret value. */
  metadata: Readonly<Record<string, string>>
  /** The full path a subscriber needs `subscribe` on to receive the event. */
  dataPath: string
  pluginInfo: PluginInfo
  /** The envelope as one line of JSON, built once and shared by every subscriber and sink. */
  json: string
}

/** Vault's event `source` names the node that sent it. */
const SOURCE = `vault://${hostname()}`
const CONTENT_TYPE = 'application/cloudevents'

/**
 * The JSON object Vault sends for an event (`vault events subscribe`, the WebSocket with json=true): CloudEvents
 * 1.0 attributes around `data` = {event {id, metadata}, event_type, plugin_info}. Vault's own encoder spells the
 * content-type attribute `datacontentype`; both spellings are sent so a client written for either finds it.
 */
export function eventEnvelope(event: Omit<PublishedEvent, 'json'>): Record<string, unknown> {
  return {
    id: event.id,
    source: SOURCE,
    specversion: '1.0',
    type: event.type,
    datacontenttype: CONTENT_TYPE,
    datacontentype: CONTENT_TYPE,
    time: rfc3339(event.time),
    data: {
      event: { id: event.id, metadata: event.metadata },
      event_type: event.type,
      plugin_info: {
        mount_class: event.pluginInfo.mountClass,
        mount_accessor: event.pluginInfo.mountAccessor,
        mount_path: event.pluginInfo.mountPath,
        plugin: event.pluginInfo.plugin,
      },
    },
  }
}
