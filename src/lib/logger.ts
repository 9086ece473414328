// A small structured logger: one JSON line per event on stderr, filtered by level.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  log(level: LogLevel, message: string, context?: Record<string, unknown>): void
  child(bindings: Record<string, unknown>): Logger
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
  bindings: Record<string, unknown> = {},
): Logger {
  return {
    log(at, message, context) {
      if (ORDER[at] < ORDER[level]) return
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...bindings, ...context })}\n`,
      )
    },
    child(more) {
      return createLogger(level, write, { ...bindings, ...more })
    },
  }
}

export const silentLogger: Logger = { log() {}, child: () => silentLogger }
