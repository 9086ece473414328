// What a test needs from outside Node (a database, python3-hvac, openssl): a counted skip with its reason, a failure under CI=true.
import { execFile } from 'node:child_process'
import net from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { pgClusterUnavailable } from './pg-cluster.ts'

/** Something outside Node a test needs; `missing` says why it is not usable here, or undefined when it is. */
export interface Requirement {
  name: string
  missing(): Promise<string | undefined>
}

/** Whether something accepts TCP connections on host:port (a quick connect). */
export function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host, timeout: 2000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

function succeeds(file: string, args: string[]): Promise<boolean> {
  // Asynchronous: a server under test may live in this process's event loop.
  return new Promise((resolve) => execFile(file, args, { timeout: 30_000 }, (error) => resolve(!error)))
}

export function tcpService(name: string, port: number): Requirement {
  return {
    name,
    missing: async () => ((await listening(port)) ? undefined : `${name} not running on 127.0.0.1:${port}`),
  }
}

/** Debian's python3 able to import `modules` (comma-separated, as in an import statement). */
export function pythonModules(modules: string): Requirement {
  return {
    name: `python3 ${modules}`,
    missing: async () =>
      (await succeeds('/usr/bin/python3', ['-c', `import ${modules}`]))
        ? undefined
        : `python3 ${modules} not installed`,
  }
}

/** A program on the PATH that runs `args` successfully. */
export function program(name: string, args: string[]): Requirement {
  return {
    name,
    missing: async () => ((await succeeds(name, args)) ? undefined : `${name} is not installed`),
  }
}

export const MARIADB = tcpService('MariaDB', 3306)
export const POSTGRES = tcpService('PostgreSQL', 5432)
export const REDIS = tcpService('Redis', 6379)
export const NATS = tcpService('NATS', 4222)
export const RABBITMQ = tcpService('RabbitMQ', 5672)
export const MOSQUITTO = tcpService('Mosquitto', 1883)
export const HVAC = pythonModules('hvac')
export const PYYAML = pythonModules('yaml')
export const OPENSSL = program('openssl', ['version'])
export const CURL = program('curl', ['--version'])
/** A throwaway PostgreSQL cluster this test starts, stops and deletes (initdb under /usr/lib/postgresql). */
export const PG_CLUSTER: Requirement = {
  name: 'PostgreSQL cluster',
  missing: async () => {
    const why = pgClusterUnavailable()
    return why && `throwaway PostgreSQL cluster unavailable: ${why}`
  },
}

/**
 * COFFER_TEST_ABSENT=MariaDB,hvac (names as above, any case) makes those count as missing, to see what a
 * machine without them runs (and that CI=true then fails).
 */
function markedAbsent(requirement: Requirement): boolean {
  const names = (process.env['COFFER_TEST_ABSENT'] ?? '').split(',').map((n) => n.trim().toLowerCase())
  const own = requirement.name.toLowerCase()
  return names.some((n) => n !== '' && (own === n || own.split(' ').includes(n)))
}

/**
 * Why the requirements are not met ('; '-joined), or false when they all are. Under CI=true an unmet
 * requirement throws instead: CI installs everything, so a missing piece there is a broken setup, not a skip.
 */
export async function unmet(...requirements: Requirement[]): Promise<string | false> {
  const reasons: string[] = []
  for (const requirement of requirements) {
    const why = markedAbsent(requirement)
      ? `${requirement.name} marked absent by COFFER_TEST_ABSENT`
      : await requirement.missing()
    if (why) reasons.push(why)
  }
  if (reasons.length === 0) return false
  const reason = reasons.join('; ')
  if (process.env['CI'] === 'true') throw new Error(`required under CI=true: ${reason}`)
  return reason
}

/** For the top of a test body: skips `t` (counted, with the reason) and returns true when something is missing. */
export async function skipUnless(t: TestContext, ...requirements: Requirement[]): Promise<boolean> {
  const reason = await unmet(...requirements)
  if (!reason) return false
  t.skip(reason)
  return true
}

/**
 * describe(name, fn) when `skip` is false. Otherwise a suite holding one skipped test carrying the reason:
 * node:test counts neither a skipped describe nor the tests inside it, so `{ skip }` on the describe alone would
 * leave the summary saying "skipped 0".
 */
export function describeUnless(skip: string | false, name: string, fn: () => void): void {
  if (!skip) {
    describe(name, fn)
    return
  }
  describe(name, () => {
    it('(every test of this suite)', { skip }, () => {})
  })
}
