// The server config's rotation_function blocks: the commands and webhooks an operator lets rotations run, by name.

type Raw = Record<string, unknown>

export interface CommandFunction {
  kind: 'command'
  /** The program and its leading arguments; the event JSON is appended as the last argument and sent on stdin. */
  command: string[]
  /** ms */
  timeoutMs: number
  /** Extra environment variables (the function gets no other variables of the server's than PATH). */
  env: Record<string, string>
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
}

export type RegisteredFunction = CommandFunction | WebhookFunction

const KEYS = ['command', 'timeout', 'env', 'webhook_url', 'hmac_secret', 'ca_file']
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
    const timeoutMs =
      body['timeout'] === undefined
        ? DEFAULT_TIMEOUT_MS
        : parse.duration(body['timeout'], `${where}.timeout`) * 1000
    if (timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS)
      parse.fail(`${where}.timeout`, 'must be between 1s and 15m')
    const hasCommand = body['command'] !== undefined
    const hasUrl = body['webhook_url'] !== undefined
    if (hasCommand === hasUrl) parse.fail(where, 'set exactly one of command and webhook_url')
    if (hasCommand) {
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
    }
  }
  return out
}
