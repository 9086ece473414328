// The plugin_info of events from a mount: its class (secret engine or auth method), accessor, path and type.
import type { MountEntry } from '../mount-table.ts'
import type { EventOrigin } from './event-bus.ts'

/** Read when the event is published, so an event names the mount where it is now (after a remount too). */
export function originOf(entry: MountEntry): EventOrigin {
  return {
    mountClass: entry.table === 'auth' ? 'auth' : 'secret',
    mountAccessor: entry.accessor,
    mountPath: entry.path,
    plugin: entry.type,
  }
}
