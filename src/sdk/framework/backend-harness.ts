// Builds a backend from its definition for in-process tests: core's routing, coercion and handler call, a manual clock.
import type { BackendEvent } from '../events.ts'
import type {
  BackendRequest,
  Caller,
  LogicalResponse,
  MountInfo,
  Operation,
  SystemView,
  UserLockoutConfig,
} from '../request.ts'
import { listRecursive, type Storage } from '../storage.ts'
import { type BackendDefinition, BackendInstance } from './backend.ts'

/** A clock the test moves by hand: `now` is milliseconds since the epoch. */
export interface ManualClock {
  now: number
}

/** The default clock start: a fixed instant, so timestamps in answers are predictable. */
export const HARNESS_START = Date.UTC(2024, 0, 2, 3, 4, 5)

export interface HarnessOptions {
  /** The backend's own storage view; the caller owns it (memory, or the barrier over SQLite). */
  storage: Storage
  /** Mount facts; `path` defaults to `<type>/` for secret engines and `auth/<type>/` for auth methods. */
  mount?: Partial<MountInfo>
  clock?: ManualClock
  defaultLeaseTtl?: number
  maxLeaseTtl?: number
  /** The mount's user lockout, kept by reference: a test that changes a field changes what the backend sees. */
  userLockout?: UserLockoutConfig
  generatePassword?: SystemView['generatePassword']
  log?: SystemView['log']
  rotation?: SystemView['rotation']
  rotationEvents?: SystemView['rotationEvents']
  keys?: SystemView['keys']
  /** Fields every request gets unless a call overrides them (caller, remoteAddress, headers…). */
  request?: Partial<BackendRequest>
}

export interface BackendHarness {
  instance: BackendInstance
  storage: Storage
  system: SystemView
  clock: ManualClock
  lockout: UserLockoutConfig
  /**
   * Every event core would publish, in order: those a call's response carried (taken out of the response `call`
   * returns, as core takes them before rendering) and those emitted through the context (`system.events`).
   */
  events: BackendEvent[]
  /** Advance the clock by `ms`. */
  tick(ms: number): void
  /** The request a call would send, with a fresh id. */
  request(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    extra?: Partial<BackendRequest>,
  ): BackendRequest
  /** Route `path` through the backend's declared paths, coerce the fields and run the handler, as core does. */
  call(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    extra?: Partial<BackendRequest>,
  ): Promise<LogicalResponse | undefined>
  /** The existence check core runs for a POST/PUT to decide create vs update. */
  exists(path: string, data?: Record<string, unknown>): Promise<boolean | undefined>
  /** The backend's secret `type`: revoke and renew as the expiration manager calls them. */
  revoke(type: string, internal: Record<string, unknown>): Promise<void>
  renew(
    type: string,
    internal: Record<string, unknown>,
    lease: { ttl: number; increment: number },
  ): Promise<{ ttl?: number; internal?: Record<string, unknown> } | undefined>
  periodic(): Promise<void>
  /** A fresh instance over the same storage, clock and lockout, as after a restart or an unseal. */
  restart(): Promise<BackendHarness>
  /** The backend's cleanup hook (the storage stays open: its owner closes it). */
  close(): Promise<void>
}

/** Vault's default user lockout: 5 failures within 15 minutes lock for 15 minutes. */
export function defaultLockout(): UserLockoutConfig {
  return { threshold: 5, duration: 900, counterReset: 900, disable: false }
}

let nextId = 0

export async function buildBackend<S>(
  definition: BackendDefinition<S>,
  options: HarnessOptions,
): Promise<BackendHarness> {
  const type = options.mount?.type ?? 'test'
  const mount: MountInfo = {
    path: definition.kind === 'auth' ? `auth/${type}/` : `${type}/`,
    type,
    uuid: '00000000-0000-4000-8000-000000000001',
    accessor: `${definition.kind === 'auth' ? 'auth_' : ''}${type}_0001`,
    options: {},
    ...options.mount,
  }
  const clock = options.clock ?? { now: HARNESS_START }
  const lockout = options.userLockout ?? defaultLockout()
  const system: SystemView = {
    defaultLeaseTtl: options.defaultLeaseTtl ?? 2764800,
    maxLeaseTtl: options.maxLeaseTtl ?? 2764800,
    mount,
    userLockout: lockout,
    now: () => clock.now,
    generatePassword:
      options.generatePassword ?? (() => Promise.reject(new Error('no password policies in this harness'))),
    log: options.log ?? (() => {}),
    ...(options.rotation ? { rotation: options.rotation } : {}),
    ...(options.rotationEvents ? { rotationEvents: options.rotationEvents } : {}),
    ...(options.keys ? { keys: options.keys } : {}),
    events: { emit: (event) => events.push(event) },
  }
  const events: BackendEvent[] = []
  const { storage } = options
  const instance = await BackendInstance.create(definition, { storage, system })
  const secretContext = () => ({ storage, system, state: instance.state })
  const secret = (type: string) => {
    const def = instance.secret(type)
    if (!def) throw new Error(`the backend declares no secret of type "${type}"`)
    return def
  }
  const request = (
    operation: Operation,
    path: string,
    data: Record<string, unknown> = {},
    extra: Partial<BackendRequest> = {},
  ): BackendRequest => {
    nextId += 1
    return {
      id: `req-${nextId}`,
      operation,
      path,
      mountPath: mount.path,
      data,
      headers: {},
      contentType: 'application/json',
      remoteAddress: '127.0.0.1',
      caller: undefined as Caller | undefined,
      ...options.request,
      ...extra,
    }
  }
  return {
    instance,
    storage,
    system,
    clock,
    lockout,
    events,
    tick(ms) {
      clock.now += ms
    },
    request,
    call: async (operation, path, data, extra) => {
      const response = await instance.handle(request(operation, path, data, extra))
      if (!response?.events) return response
      const { events: published, ...rest } = response
      events.push(...published)
      // A response that carried only events is core's 204, as the handler without them would have answered.
      return Object.keys(rest).length === 0 ? undefined : rest
    },
    exists: (path, data) => instance.exists(request('update', path, data)),
    revoke: (type, internal) => secret(type).revoke(secretContext(), internal),
    renew: async (type, internal, lease) => {
      const renew = secret(type).renew
      if (!renew) throw new Error(`secrets of type "${type}" are not renewable`)
      return renew(secretContext(), internal, lease)
    },
    periodic: () => instance.periodic(),
    restart: () => buildBackend(definition, { ...options, clock, userLockout: lockout }),
    close: () => instance.cleanup(),
  }
}

/** Run `fn` and return the AppError-like failure it throws, failing when it does not throw. */
export async function failure(fn: () => Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await fn()
  } catch (error) {
    const e = error as { status?: number; message: string }
    return { status: e.status ?? 500, message: e.message }
  }
  throw new Error('expected the call to fail')
}

/** Every stored key and value as text, to prove a secret never reached storage in clear. */
export async function storedText(storage: Storage): Promise<string> {
  const keys = await listRecursive(storage)
  const values = await Promise.all(
    keys.map(async (key) => Buffer.from((await storage.get(key))!).toString('latin1')),
  )
  return `${keys.join('\n')}\n${values.join('\n')}`
}

/** `response.data` as a plain record, failing loudly when absent. */
export function dataOf(response: LogicalResponse | undefined): Record<string, unknown> {
  if (!response?.data) throw new Error(`expected a response with data, got ${JSON.stringify(response)}`)
  return response.data
}
