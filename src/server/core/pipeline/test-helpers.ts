// An unsealed core on in-memory storage, for in-process tests of the pipeline stages and the sys/ paths.
import { type Logger, silentLogger } from '../../../lib/logger.ts'
import type { Clock } from '../../../lib/time.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { authMethods, secretEngines } from '../../registry.ts'
import { createSystemBackend } from '../../system/backend.ts'
import { Core } from '../core.ts'
import type { LogicalRequest } from '../logical-request.ts'
import type { UnsealedServices } from '../services.ts'

export interface TestCore {
  core: Core
  services: UnsealedServices
  rootToken: string
  close(): Promise<void>
}

/** A core on fresh memory storage with the built-in registry, not yet started (and `clock` when given). */
export function memoryCore(options: { clock?: Clock; logger?: Logger; version?: string } = {}): Core {
  return new Core({
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.version ? { version: options.version } : {}),
    physical: new MemoryStorage(),
    storageType: 'inmem',
    logger: options.logger ?? silentLogger,
    defaultLeaseTtl: 3600,
    maxLeaseTtl: 7200,
    registry: { secret: secretEngines, auth: authMethods },
    systemBackend: (services) => createSystemBackend(services),
  })
}

/** A core initialised and unsealed on memory storage, with KV v2 at secret/ (and `clock` when given). */
export async function unsealedCore(
  options: { clock?: Clock; logger?: Logger; version?: string } = {},
): Promise<TestCore> {
  const core = memoryCore(options)
  await core.start()
  const { rootToken } = await core.initialize(1, 1, { stayUnsealed: true })
  await core.services.mounts.mount('secret', { path: 'secret/', type: 'kv', options: { version: '2' } })
  return { core, services: core.services, rootToken, close: () => core.close() }
}

/** A LogicalRequest as the HTTP adapter builds it. */
export function request(
  operation: LogicalRequest['operation'],
  path: string,
  token: string,
  data: Record<string, unknown> = {},
): LogicalRequest {
  return {
    id: crypto.randomUUID(),
    operation,
    path,
    data,
    token,
    headers: {},
    contentType: 'application/json',
    remoteAddress: '127.0.0.1',
  }
}
