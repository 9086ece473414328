// A small structured logger: one JSON line per event on stderr, filtered by level (changeable at runtime per component).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error'])

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** The name sys/loggers gives the loggers without a component: the server's own log. */
export const ROOT_LOGGER = 'core'

/**
 * The levels in force, shared by a logger and all its children: one level for every logger, and per-name
 * overrides (a child's name is its `component` binding). sys/loggers reads and changes them.
 */
export class LogLevels {
  /** The level the server was started with (-log-level, log_level): what a reset goes back to. */
  readonly configured: LogLevel
  #all: LogLevel
  readonly #overrides = new Map<string, LogLevel>()
  readonly #names = new Set<string>([ROOT_LOGGER])

  constructor(configured: LogLevel) {
    this.configured = configured
    this.#all = configured
  }

  register(name: string): void {
    this.#names.add(name)
  }

  /** Every logger name: the root first, then the components created so far, sorted. */
  names(): string[] {
    return [ROOT_LOGGER, ...[...this.#names].filter((n) => n !== ROOT_LOGGER).sort()]
  }

  has(name: string): boolean {
    return this.#names.has(name)
  }

  levelOf(name: string = ROOT_LOGGER): LogLevel {
    return this.#overrides.get(name) ?? this.#all
  }

  /** Every logger at `level`, named ones included (Vault's POST sys/loggers). */
  setAll(level: LogLevel): void {
    this.#all = level
    this.#overrides.clear()
  }

  /** Every logger back at the configured level (Vault's DELETE sys/loggers). */
  resetAll(): void {
    this.setAll(this.configured)
  }

  set(name: string, level: LogLevel): void {
    this.#overrides.set(name, level)
  }

  /** One logger back at the configured level, whatever the others are at. */
  reset(name: string): void {
    if (this.#all === this.configured) this.#overrides.delete(name)
    else this.#overrides.set(name, this.configured)
  }
}

export interface Logger {
  log(level: LogLevel, message: string, context?: Record<string, unknown>): void
  child(bindings: Record<string, unknown>): Logger
  /** The shared levels, when they can be changed at runtime (absent on loggers that write nowhere). */
  readonly levels?: LogLevels
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
  bindings: Record<string, unknown> = {},
  levels: LogLevels = new LogLevels(level),
): Logger {
  const name = typeof bindings['component'] === 'string' ? bindings['component'] : ROOT_LOGGER
  levels.register(name)
  return {
    levels,
    log(at, message, context) {
      if (ORDER[at] < ORDER[levels.levelOf(name)]) return
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...bindings, ...context })}\n`,
      )
    },
    child(more) {
      return createLogger(level, write, { ...bindings, ...more }, levels)
    },
  }
}

export const silentLogger: Logger = { log() {}, child: () => silentLogger }
