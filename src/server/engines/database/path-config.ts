// config/:name (create, read without the password, update, delete), LIST config, reset/:name and rotate-root/:name.
import { InvalidRequestError, NotFoundError } from '../../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { f, parseStringList } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { putJson } from '../../../sdk/storage.ts'
import { databaseError } from './connections.ts'
import { rootRotationEvent } from './db-events.ts'
import {
  checkName,
  configKey,
  configSecrets,
  type DbConfig,
  loadConfig,
  pluginFor,
  settingsOf,
} from './model.ts'
import { literalUrlPassword, redactUrlPassword } from './plugins/url-password.ts'
import { loadResolvedLocked, rotateRoot } from './root-credentials.ts'
import type { DbState } from './state.ts'
import { parseStatements } from './templating.ts'
import { checkUsernameTemplate } from './username-template.ts'

const fields = {
  name: f.string({ required: true }),
  plugin_name: f.string(),
  plugin_version: f.string(),
  connection_url: f.string(),
  username: f.string(),
  password: f.string({ sensitive: true }),
  allowed_roles: f.list(),
  verify_connection: f.bool(),
  password_policy: f.string(),
  username_template: f.string(),
  root_rotation_statements: f.any(),
  max_open_connections: f.int(),
  max_idle_connections: f.int(),
  max_connection_lifetime: f.duration(),
  host: f.string(),
  port: f.int(),
  tls: f.bool(),
  insecure_tls: f.bool(),
  ca_cert: f.string(),
  disable_escaping: f.bool(),
  password_authentication: f.string(),
}

type Ctx = HandlerContext<typeof fields, DbState>

const DEFAULTS: Omit<DbConfig, 'plugin_name'> = {
  connection_url: '',
  username: '',
  password: '',
  max_open_connections: 4,
  max_idle_connections: 0,
  max_connection_lifetime: 0,
  host: '',
  port: 6379,
  tls: false,
  insecure_tls: false,
  ca_cert: '',
  allowed_roles: [],
  verify_connection: true,
  password_policy: '',
  username_template: '',
  root_rotation_statements: [],
  disable_escaping: false,
  password_authentication: 'password',
}

function nonNegative(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && value < 0) throw new InvalidRequestError(`${name} cannot be negative`)
  return value
}

async function writeConfig(ctx: Ctx) {
  const { storage, state, input, request } = ctx
  const name = checkName(input.name!, 'connection')
  return state.run(configKey(name), async () => {
    // An unfinished root rotation is settled first, unless the caller sets the password anyway.
    const existing =
      input.password === undefined ? await loadResolvedLocked(ctx, name) : await loadConfig(storage, name)
    const pluginName = input.plugin_name ?? existing?.plugin_name
    if (!pluginName) throw new InvalidRequestError('plugin_name must be provided')
    const plugin = pluginFor(pluginName)
    // Only the built-in plugins exist: a builtin version (Vault's "v1.x.y+builtin") is accepted and read back as "",
    // any other is refused rather than silently served by the builtin, as Vault refuses a version it cannot find.
    if (input.plugin_version && !input.plugin_version.includes('+builtin'))
      throw new InvalidRequestError(
        `plugin_version "${input.plugin_version}" of ${pluginName} not found: the database plugins are built in; omit plugin_version`,
      )
    const given = Object.fromEntries(
      Object.entries(input).filter(([key, value]) => value !== undefined && key in DEFAULTS),
    ) as Partial<DbConfig>
    if ('allowed_roles' in request.data)
      given.allowed_roles = parseStringList(request.data['allowed_roles'], 'allowed_roles')
    if ('root_rotation_statements' in request.data)
      given.root_rotation_statements = parseStatements(
        request.data['root_rotation_statements'],
        'root_rotation_statements',
      )
    if (
      given.password_authentication !== undefined &&
      given.password_authentication !== 'password' &&
      given.password_authentication !== 'scram-sha-256'
    )
      throw new InvalidRequestError('password_authentication must be "password" or "scram-sha-256"')
    nonNegative(given.max_open_connections, 'max_open_connections')
    nonNegative(given.max_idle_connections, 'max_idle_connections')
    nonNegative(given.max_connection_lifetime, 'max_connection_lifetime')
    const config: DbConfig = { ...DEFAULTS, ...(existing ?? {}), ...given, plugin_name: pluginName }
    if (given.password !== undefined) delete config.pending_root_password
    if (config.max_open_connections === 0) config.max_open_connections = DEFAULTS.max_open_connections
    if (config.max_idle_connections > config.max_open_connections)
      config.max_idle_connections = config.max_open_connections
    if (config.username_template) checkUsernameTemplate(config.username_template)
    plugin.validate(settingsOf(config))
    if (config.verify_connection) {
      const probe = plugin.open(settingsOf(config))
      try {
        await probe.verify()
      } catch (error) {
        // Vault answers a connection it cannot verify with a 400: the settings are what the caller must fix.
        const scrubbed = databaseError(error, configSecrets(config), 'error verifying connection')
        throw new InvalidRequestError(scrubbed.message)
      } finally {
        await probe.close().catch(() => {})
      }
    }
    await putJson(storage, configKey(name), config)
    await state.connections.close(name)
    // Vault's warning, in its words: the password is stored, but masked on read, and rotate-root cannot change it.
    if (literalUrlPassword(config.connection_url) !== undefined)
      return {
        warnings: [
          'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.',
        ],
      }
    return undefined
  })
}

/**
 * Vault keeps the plugin's own settings (username_template and disable_escaping among them) in connection_details;
 * Terraform's vault_database_secret_backend_connection refreshes them from there, so a setting missing from it is a
 * permanent diff. username_template stays at the top level too for callers that read it there.
 */
function readConfig(config: DbConfig) {
  const details: Record<string, unknown> =
    pluginFor(config.plugin_name).kind === 'redis'
      ? {
          host: config.host,
          port: config.port,
          username: config.username,
          tls: config.tls,
          insecure_tls: config.insecure_tls,
          ca_cert: config.ca_cert,
        }
      : {
          // A password written into the URL is masked as Vault does ("xxxxx"); a templated URL reads back as written.
          connection_url: redactUrlPassword(config.connection_url),
          username: config.username,
          max_open_connections: config.max_open_connections,
          max_idle_connections: config.max_idle_connections,
          max_connection_lifetime: `${config.max_connection_lifetime}s`,
          username_template: config.username_template,
          disable_escaping: config.disable_escaping === true,
          ...(pluginFor(config.plugin_name).kind === 'postgres'
            ? { password_authentication: config.password_authentication ?? 'password' }
            : {}),
        }
  return {
    data: {
      plugin_name: config.plugin_name,
      plugin_version: '',
      connection_details: details,
      allowed_roles: config.allowed_roles,
      root_credentials_rotate_statements: config.root_rotation_statements,
      password_policy: config.password_policy,
      username_template: config.username_template,
      verify_connection: config.verify_connection,
    },
  }
}

export const configListPath = definePath<Record<string, never>, DbState>({
  pattern: 'config/',
  listKeys: 'names',
  operations: {
    list: async ({ storage }) => {
      const keys = (await storage.list('config/')).filter((key) => !key.endsWith('/'))
      return listResponse(keys)
    },
  },
})

export const configPath = definePath<typeof fields, DbState>({
  pattern: 'config/:name',
  fields,
  exists: async ({ storage, input }) =>
    (await loadConfig(storage, checkName(input.name!, 'connection'))) !== undefined,
  help: 'Connection settings for one database: plugin, URL, root credentials and which roles may use it.',
  operations: {
    create: writeConfig,
    update: writeConfig,
    read: async ({ storage, input }) => {
      const config = await loadConfig(storage, checkName(input.name!, 'connection'))
      return config ? readConfig(config) : undefined
    },
    delete: async ({ storage, state, input }) => {
      const name = checkName(input.name!, 'connection')
      await state.run(configKey(name), async () => {
        await storage.delete(configKey(name))
        await state.connections.close(name)
      })
      return undefined
    },
  },
})

export const resetPath = definePath<{ name: ReturnType<typeof f.string> }, DbState>({
  pattern: 'reset/:name',
  fields: { name: f.string({ required: true }) },
  help: 'Close the connection pool of a config; the next use opens a new one from the stored settings.',
  operations: {
    update: async ({ storage, state, input }) => {
      const name = checkName(input.name!, 'connection')
      if (!(await loadConfig(storage, name))) throw new NotFoundError(`no connection named "${name}"`)
      await state.connections.close(name)
      return undefined
    },
  },
})

export const rotateRootPath = definePath<{ name: ReturnType<typeof f.string> }, DbState>({
  pattern: 'rotate-root/:name',
  fields: { name: f.string({ required: true }) },
  help: "Replace the config's root password with a generated one that only Coffer knows.",
  operations: {
    update: async (ctx) => {
      const name = checkName(ctx.input.name!, 'connection')
      await rotateRoot(ctx, name)
      return { events: [rootRotationEvent(name)] }
    },
  },
})
