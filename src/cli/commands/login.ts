// `coffer login`: authenticate with a token, userpass, approle or any login endpoint, then store the token.
import type { SecretEnvelope } from '../../client/index.ts'
import { storeToken } from '../config.ts'
import type { CommandContext, CommandSpec } from '../context.ts'
import { CliError, remote } from '../context.ts'
import { UsageError } from '../flags.ts'
import { parseDataArgs } from '../kv-args.ts'
import { printSecret } from '../output.ts'
import { loginWithOidc } from './login-oidc.ts'

/** Methods whose login path carries the username, like Vault's userpass and ldap. */
const USERNAME_IN_PATH = new Set(['userpass', 'ldap', 'okta', 'radius'])

async function tokenFromArgs(ctx: CommandContext): Promise<string> {
  const arg = ctx.args[0]
  if (ctx.args.length > 1) throw new UsageError('token login takes at most one argument')
  let token = arg?.startsWith('token=') ? arg.slice('token='.length) : arg
  if (token === undefined || token === '-') token = (await ctx.readStdin()).split('\n')[0]?.trim() ?? ''
  if (token === '') throw new UsageError('no token given: pass it as an argument or on stdin')
  return token
}

async function loginWithToken(ctx: CommandContext): Promise<SecretEnvelope> {
  const token = await tokenFromArgs(ctx)
  const client = ctx.client()
  client.setToken(token)
  const lookup = await remote('Error looking up the token', () => client.lookupSelf())
  const data = lookup.data ?? {}
  return {
    ...lookup,
    data: null,
    auth: {
      client_token: token,
      accessor: data['accessor'],
      policies: data['policies'] ?? [],
      token_policies: data['policies'] ?? [],
      identity_policies: data['identity_policies'] ?? [],
      metadata: data['meta'] ?? {},
      lease_duration: data['ttl'] ?? 0,
      renewable: data['renewable'] ?? false,
    },
  }
}

async function loginWithMethod(
  ctx: CommandContext,
  method: string,
  mountPath: string,
): Promise<SecretEnvelope> {
  const data = await parseDataArgs(ctx.args, ctx)
  let path = `auth/${mountPath}/login`
  if (USERNAME_IN_PATH.has(method)) {
    const username = data['username']
    if (typeof username !== 'string' || username === '')
      throw new UsageError(`${method} login needs username=NAME`)
    delete data['username']
    if (data['password'] === undefined) data['password'] = (await ctx.readStdin()).split('\n')[0] ?? ''
    path = `${path}/${encodeURIComponent(username)}`
  }
  const envelope = await remote(`Error authenticating with ${method}`, () => ctx.client().write(path, data))
  if (!envelope?.auth?.['client_token'])
    throw new CliError(`Error authenticating with ${method}: no token returned`, 2)
  return envelope
}

export const loginCommand: CommandSpec = {
  path: ['login'],
  usage: '[options] [TOKEN | K=V...]',
  summary: 'Authenticate and store the token for later commands',
  help: [
    'With -method=token (default) the token comes from the argument or stdin and is checked with',
    'auth/token/lookup-self. Other methods post K=V pairs to auth/<path>/login (userpass and ldap',
    'put the username in the URL: username=NAME password=SECRET; approle: role_id=.. secret_id=..).',
    'oidc runs the browser flow: role=NAME [port=8250] [skip_browser=true] [listenaddress=.. callbackhost=..].',
    'The token is stored in ~/.vault-token (as the Vault CLI does) with mode 0600 unless -no-store is given.',
  ].join('\n'),
  flags: [
    {
      name: 'method',
      kind: 'string',
      usage: 'Auth method type: token, userpass, approle, ldap, ... (default token)',
    },
    { name: 'path', kind: 'string', usage: 'Mount path of the auth method (default: the method name)' },
    { name: 'no-store', kind: 'bool', usage: 'Do not store the token in the token file' },
    { name: 'token-only', kind: 'bool', usage: 'Print only the token; implies -no-store' },
  ],
  output: true,
  async run(ctx) {
    const method = ctx.flags.string('method') ?? 'token'
    const mountPath = (ctx.flags.string('path') ?? method).replace(/^\/+|\/+$/g, '')
    const envelope =
      method === 'token'
        ? await loginWithToken(ctx)
        : method === 'oidc'
          ? await loginWithOidc(ctx, mountPath, await parseDataArgs(ctx.args, ctx))
          : await loginWithMethod(ctx, method, mountPath)
    const token = String(envelope.auth?.['client_token'] ?? '')
    const tokenOnly = ctx.flags.bool('token-only')
    if (tokenOnly) {
      ctx.stdout.write(ctx.stdout.isTTY ? `${token}\n` : token)
      return 0
    }
    if (!ctx.flags.bool('no-store')) {
      try {
        storeToken(ctx.homeDir, token)
      } catch (error) {
        throw new CliError(
          `Error storing the token: ${(error as NodeJS.ErrnoException).code ?? 'write failed'}`,
          1,
        )
      }
    }
    if (ctx.format === 'table' && ctx.field === undefined) {
      ctx.out(
        ctx.flags.bool('no-store')
          ? 'Success! You are now authenticated. The token was not stored; pass it with VAULT_TOKEN.\n'
          : 'Success! You are now authenticated. The token below is stored in ~/.vault-token and\n' +
              'later commands will use it automatically.\n',
      )
    }
    return printSecret(ctx, envelope)
  },
}
