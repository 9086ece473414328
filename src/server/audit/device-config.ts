// Turning a sys/audit enable request (type + options) into a running device, with Vault's option names.

import type { KeyObject } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { parseBool, parseDurationField } from '../../sdk/framework/fields.ts'
import { type ChainingDevice, createChainedFileDevice } from './devices/chained-file-device.ts'
import type { AuditDevice } from './devices/device.ts'
import { createFileDevice } from './devices/file-device.ts'
import { createSocketDevice, type SocketType } from './devices/socket-device.ts'
import { createStdoutDevice } from './devices/stdout-device.ts'
import type { HashOptions } from './hmac.ts'

const AUDIT_TYPES = ['file', 'socket', 'stdout'] as const
/** A file device gets its own writer thread by default only on hosts with more cores than this (see openDevice). */
const WRITER_THREAD_MIN_CORES = 2
export type AuditType = (typeof AUDIT_TYPES)[number]

const KNOWN_OPTIONS = new Set([
  'file_path',
  'path',
  'mode',
  'address',
  'socket_type',
  'write_timeout',
  'log_raw',
  'hmac_accessor',
  'format',
  'elide_list_responses',
  'writer_thread',
])

export function checkOptions(type: string, options: Record<string, string>): AuditType {
  if (!(AUDIT_TYPES as readonly string[]).includes(type)) {
    throw new InvalidRequestError(
      `unknown audit device type "${type}" (supported: ${AUDIT_TYPES.join(', ')})`,
    )
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new InvalidRequestError(`audit option "${key}" is not supported`)
  }
  // cloudtrail: requests carrying an AWS action as CloudTrail records, everything else in Vault's json layout.
  if (!['json', 'cloudtrail'].includes(options['format'] ?? 'json'))
    throw new InvalidRequestError('audit format must be "json" or "cloudtrail"')
  if (type === 'file' && !(options['file_path'] ?? options['path'])) {
    throw new InvalidRequestError('file audit device needs option "file_path"')
  }
  if (type === 'socket' && !options['address'])
    throw new InvalidRequestError('socket audit device needs option "address"')
  return type as AuditType
}

export function hashOptions(options: Record<string, string>): HashOptions {
  return {
    hmacAccessor:
      options['hmac_accessor'] === undefined ? true : parseBool(options['hmac_accessor'], 'hmac_accessor'),
    logRaw: options['log_raw'] === undefined ? false : parseBool(options['log_raw'], 'log_raw'),
    elideListResponses:
      options['elide_list_responses'] === undefined
        ? false
        : parseBool(options['elide_list_responses'], 'elide_list_responses'),
  }
}

/**
 * A file device on a real path chains and writes its lines on a thread of its own (`signingKey` signs its
 * checkpoints there) when `writer_thread` says so, and by default on hosts with more than two cores. The hand-offs
 * (a message each way and both threads' wake-ups per batch) cost more CPU than the hashing and the write(2) they
 * move: measured on two cores, a KV read's audit took ~27–30 µs of process CPU with the thread against ~17–19 µs
 * without. That pays only where the thread gets a core the request thread and its neighbours do not need; on one
 * or two cores it takes CPU from the request thread instead. `stdout` and `discard` paths and the other types take
 * finished lines from the broker.
 */
export async function openDevice(
  type: AuditType,
  options: Record<string, string>,
  signingKey: KeyObject,
): Promise<AuditDevice | ChainingDevice> {
  const writeTimeoutMs =
    options['write_timeout'] === undefined ? 2000 : Math.max(1, parseDurationMs(options['write_timeout']))
  if (type === 'stdout') return createStdoutDevice({ writeTimeoutMs })
  if (type === 'socket') {
    const socketType = (options['socket_type'] ?? 'tcp') as SocketType
    if (!['tcp', 'udp', 'unix'].includes(socketType))
      throw new InvalidRequestError('socket_type must be tcp, udp or unix')
    return createSocketDevice({ address: options['address']!, socketType, writeTimeoutMs })
  }
  const mode = options['mode'] === undefined ? 0o600 : Number.parseInt(options['mode'], 8)
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777)
    throw new InvalidRequestError('mode must be an octal file mode such as "0600"')
  const filePath = options['file_path'] ?? options['path']!
  const writerThread =
    options['writer_thread'] === undefined
      ? availableParallelism() > WRITER_THREAD_MIN_CORES
      : parseBool(options['writer_thread'], 'writer_thread')
  try {
    // Vault treats these two file_path values as keywords, not file names: nothing to chain on a thread.
    if (!writerThread || filePath === 'stdout' || filePath === 'discard')
      return await createFileDevice({ filePath, mode, writeTimeoutMs })
    return await createChainedFileDevice({ filePath, mode, writeTimeoutMs, signingKey })
  } catch (error) {
    throw new InvalidRequestError(`cannot open audit file: ${(error as Error).message}`)
  }
}

/** A file device that writes to a real file: its name, the file and its `format` (json unless set). */
export interface AuditLogFile {
  device: string
  file: string
  format: string
}

/**
 * The log files of the enabled file devices, from sys/audit's listing (device name to `{type, options}`):
 * `stdout` and `discard` are keywords, not files, and are left out. For readers of the log on the server.
 */
export function auditLogFiles(devices: Record<string, unknown>): AuditLogFile[] {
  const out: AuditLogFile[] = []
  for (const [device, raw] of Object.entries(devices)) {
    const { type, options } = raw as { type: string; options: Record<string, string> }
    const file = options['file_path'] ?? options['path']
    if (type !== 'file' || !file || file === 'stdout' || file === 'discard') continue
    out.push({ device, file, format: options['format'] ?? 'json' })
  }
  return out
}

/** "250ms", "2s" or a number of seconds, in milliseconds. */
function parseDurationMs(value: string): number {
  const ms = /^(\d+)ms$/.exec(value.trim())
  if (ms) return Number(ms[1])
  return parseDurationField(value, 'write_timeout') * 1000
}
