// The server config's rotation_function blocks: the commands, webhooks and built-ins an operator lets rotations run, by name.

type Raw = Record<string, unknown>

export interface CommandFunction {
  kind: 'command'
  /** The program and its leading arguments; the event JSON is appended as the last argument and sent on stdin. */
  command: string[]
  /** ms */
  timeoutMs: number
  /** Extra environment variables (the function gets no other variables of the server's than PATH). */
  env: Record<string, string>
  /** Coffer policies the attempt's credentials hold beside the secret's own (see extraPolicies). */
  policies?: string[]
}

export interface WebhookFunction {
  kind: 'webhook'
  url: string
  /** The shared secret the body's HMAC-SHA256 signature is made with. */
  hmacSecret: string
  /** ms */
  timeoutMs: number
  /** A PEM file of CAs to trust for the webhook's certificate, beside the system's. */
  caFile?: string
  policies?: string[]
}

/**
 * A built-in function under the operator's name, with extra policies: how an operator lets an alternating-users
 * rotator read its master secret, as an AWS administrator grants a Lambda's role access to it.
 */
export interface BuiltinFunction {
  kind: 'builtin'
  /** The built-in's name (`coffer-postgresql-alternating-users`); the runner refuses to start with an unknown one. */
  builtin: string
  policies?: string[]
}

export type RegisteredFunction = CommandFunction | WebhookFunction | BuiltinFunction

const KEYS = ['command', 'timeout', 'env', 'webhook_url', 'hmac_secret', 'ca_file', 'builtin', 'policies']
const NAME = /^[A-Za-z0-9_-]{1,64}$/
const DEFAULT_TIMEOUT_MS = 30_000
const MAX_TIMEOUT_MS = 15 * 60_000

export interface RotationFunctionParsers {
  fail(key: string, problem: string): never
  duration(value: unknown, where: string): number
}

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
}

/**
 * The extra policies: named by the operator in the config file only, never derived from a secret's contents.
 * `root` is refused: a rotation function never needs every path of the server.
 */
function parsePolicies(value: unknown, where: string, parse: RotationFunctionParsers): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string' || p.trim() === ''))
    parse.fail(where, 'must be a list of policy names')
  const names = value as string[]
  if (names.includes('root')) parse.fail(where, 'the root policy cannot be given to a rotation function')
  return [...new Set(names)]
}

export function parseRotationFunctionBlocks(
  blocks: { type: string; body: Raw }[],
  parse: RotationFunctionParsers,
): Record<string, RegisteredFunction> {
  const out: Record<string, RegisteredFunction> = {}
  for (const { type: name, body } of blocks) {
    const where = `rotation_function.${name}`
    // The name is what a RotationLambdaARN ends with: Lambda's function-name characters.
    if (!NAME.test(name)) parse.fail(where, 'the name must be 1 to 64 of letters, digits, - and _')
    if (out[name]) parse.fail(where, 'appears twice')
    for (const key of Object.keys(body))
      if (!KEYS.includes(key)) parse.fail(`${where}.${key}`, `unknown key (supported: ${KEYS.join(', ')})`)
    const policies = parsePolicies(body['policies'], `${where}.policies`, parse)
    const withPolicies = policies.length > 0 ? { policies } : {}
    const kinds = ['command', 'webhook_url', 'builtin'].filter((key) => body[key] !== undefined)
    if (kinds.length !== 1) parse.fail(where, 'set exactly one of command, webhook_url and builtin')
    if (body['builtin'] !== undefined) {
      const builtin = body['builtin']
      if (typeof builtin !== 'string' || !NAME.test(builtin))
        parse.fail(`${where}.builtin`, 'must be the name of a built-in rotation function')
      // A built-in runs in the server and is not given a timeout, environment or URL.
      for (const key of Object.keys(body))
        if (key !== 'builtin' && key !== 'policies')
          parse.fail(`${where}.${key}`, 'does not apply to a built-in function')
      out[name] = { kind: 'builtin', builtin, ...withPolicies }
      continue
    }
    const timeoutMs =
      body['timeout'] === undefined
        ? DEFAULT_TIMEOUT_MS
        : parse.duration(body['timeout'], `${where}.timeout`) * 1000
    if (timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS)
      parse.fail(`${where}.timeout`, 'must be between 1s and 15m')
    if (body['command'] !== undefined) {
      const raw = body['command']
      const command = typeof raw === 'string' ? [raw] : raw
      if (
        !Array.isArray(command) ||
        command.length === 0 ||
        command.some((c) => typeof c !== 'string' || c === '')
      )
        parse.fail(`${where}.command`, 'must be a program path or a list of the program and its arguments')
      if (!(command[0] as string).startsWith('/'))
        parse.fail(`${where}.command`, 'the program must be an absolute path')
      const env = body['env'] ?? {}
      if (
        typeof env !== 'object' ||
        Array.isArray(env) ||
        Object.values(env).some((v) => typeof v !== 'string')
      )
        parse.fail(`${where}.env`, 'must be a map of strings')
      for (const key of ['hmac_secret', 'ca_file'])
        if (body[key] !== undefined) parse.fail(`${where}.${key}`, 'applies to webhooks only')
      out[name] = {
        kind: 'command',
        command: command as string[],
        timeoutMs,
        env: env as Record<string, string>,
        ...withPolicies,
      }
      continue
    }
    if (body['env'] !== undefined) parse.fail(`${where}.env`, 'applies to commands only')
    let url: URL
    try {
      url = new URL(String(body['webhook_url']))
    } catch {
      parse.fail(`${where}.webhook_url`, 'must be a URL')
    }
    if (url.protocol !== 'https:' && !isLoopbackHttp(url))
      parse.fail(`${where}.webhook_url`, 'must be https:// (plain http only to the loopback interface)')
    const secret = body['hmac_secret']
    if (typeof secret !== 'string' || secret.length < 16)
      parse.fail(`${where}.hmac_secret`, 'must be a shared secret of at least 16 characters')
    const caFile = body['ca_file']
    if (caFile !== undefined && typeof caFile !== 'string')
      parse.fail(`${where}.ca_file`, 'must be a file path')
    out[name] = {
      kind: 'webhook',
      url: url.toString(),
      hmacSecret: secret,
      timeoutMs,
      ...(caFile !== undefined ? { caFile } : {}),
      ...withPolicies,
    }
  }
  return out
}
