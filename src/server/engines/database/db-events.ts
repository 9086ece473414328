// The change events the database engine reports: static-role and root credential rotations (never a password).
import type { BackendEvent } from '../../../sdk/events.ts'

/**
 * database/rotate (or rotate-fail) for a static role. The data path is static-creds/<role>, what applications read
 * the credential from, so whoever may read it can subscribe to learn it changed.
 */
export function staticRotationEvent(
  role: string,
  outcome: 'ok' | 'fail',
  trigger: 'request' | 'schedule',
): BackendEvent {
  return {
    type: outcome === 'ok' ? 'database/rotate' : 'database/rotate-fail',
    path: `rotate-role/${role}`,
    dataPath: `static-creds/${role}`,
    metadata: { name: role, operation: 'rotate', modified: outcome === 'ok' ? 'true' : 'false', trigger },
  }
}

/** database/root-rotate for a connection; its data path is the connection's config. */
export function rootRotationEvent(connection: string): BackendEvent {
  return {
    type: 'database/root-rotate',
    path: `rotate-root/${connection}`,
    dataPath: `config/${connection}`,
    metadata: { name: connection, operation: 'root-rotate', modified: 'true' },
  }
}
