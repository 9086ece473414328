// sys/loggers and sys/loggers/:name: the server's log levels, read and changed at runtime (sudo, as in Vault).
import { type LogLevel, LogLevels } from '../../lib/logger.ts'
import { InvalidRequestError, NotFoundError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type LoggerServices = Pick<SystemServices, 'logger'>

/** Both need sudo, as in Vault: a debug level can flood the log, an error level can hide what an operator needs. */
export const LOGGER_ROOT_PATHS = ['loggers', 'loggers/*']

/** Vault's level names; Coffer has no trace level, so trace is its most verbose one, debug. */
const LEVEL_NAMES: Record<string, LogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
}

function parseLevel(value: string | undefined): LogLevel {
  if (value === undefined || value.trim() === '') throw new InvalidRequestError('level is required')
  const level = LEVEL_NAMES[value.trim().toLowerCase()]
  if (level === undefined)
    throw new InvalidRequestError(`invalid level "${value}": use trace, debug, info, warn or error`)
  return level
}

export function loggerPaths(services: LoggerServices) {
  // A logger that writes nowhere (in-process tests) has no levels to change: these stand in, affecting nothing.
  const levels = services.logger.levels ?? new LogLevels('info')
  const known = (name: string, notFound: (message: string) => Error): string => {
    if (!levels.has(name)) throw notFound(`no logger named "${name}"`)
    return name
  }
  const levelField = {
    level: f.string({ description: 'trace, debug, info, warn (warning) or error.' }),
  }
  return [
    definePath({
      pattern: 'loggers',
      fields: levelField,
      help: 'The log level of every logger: read, set for all, or reset to the configured level.',
      operations: {
        read: async () => ({ data: Object.fromEntries(levels.names().map((n) => [n, levels.levelOf(n)])) }),
        update: async ({ input }) => {
          levels.setAll(parseLevel(input.level))
          return undefined
        },
        delete: async () => {
          levels.resetAll()
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'loggers/:name',
      fields: { name: f.string({ required: true }), ...levelField },
      help: "One logger's level: read, set, or reset to the configured level.",
      operations: {
        read: async ({ input }) => {
          const name = known(input.name!, (m) => new NotFoundError(m))
          return { data: { [name]: levels.levelOf(name) } }
        },
        update: async ({ input }) => {
          const name = known(input.name!, (m) => new InvalidRequestError(m))
          levels.set(name, parseLevel(input.level))
          return undefined
        },
        delete: async ({ input }) => {
          levels.reset(known(input.name!, (m) => new InvalidRequestError(m)))
          return undefined
        },
      },
    }),
  ]
}
