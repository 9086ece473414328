// sys/events/subscribe/:event_type: the policy check and audit record of a WebSocket subscription to change events.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'

/**
 * The HTTP adapter runs a read of this path through the pipeline before it accepts a WebSocket (so the token needs
 * `read` on sys/events/subscribe/<type>, as in Vault, and the attempt is audited), then streams the events itself.
 * A plain GET without the upgrade gets a 400 saying how to subscribe.
 */
export function eventsPaths() {
  return [
    definePath({
      pattern: 'events/subscribe/*event_type',
      fields: {
        event_type: f.string({ description: 'The event type to receive; `*` matches any characters.' }),
        json: f.bool({ description: 'Send events as JSON text messages; Coffer requires true.' }),
        namespaces: f.list({ description: 'Namespace patterns; Coffer has only the root namespace.' }),
        filter: f.string({ description: 'A boolean expression over event fields (see docs/events.md).' }),
      },
      help: 'Subscribe to change events over a WebSocket (ws:// or wss://).',
      operations: {
        read: ({ request }) => {
          if (request.headers['upgrade']?.toLowerCase() !== 'websocket')
            throw new InvalidRequestError(
              'sys/events/subscribe takes a WebSocket connection: connect with ws:// or wss:// and json=true',
            )
          return { data: {} }
        },
      },
    }),
  ]
}
