// Shared pieces for `secrets` and `auth`: mount table rendering and the mount config flags.
import type { SecretEnvelope } from '../../client/index.ts'
import type { CommandContext } from '../context.ts'
import type { FlagReader, FlagSpec } from '../flags.ts'
import { formatCell, humanDuration, renderColumns } from '../format.ts'
import { printStructured } from '../output.ts'

export interface MountEntry {
  type?: string
  accessor?: string
  description?: string
  uuid?: string
  local?: boolean
  seal_wrap?: boolean
  external_entropy_access?: boolean
  plugin_version?: string
  options?: Record<string, string> | null
  config?: Record<string, unknown>
}

/** sys/mounts and sys/auth repeat the table at top level and under data; take data, keep only mount entries. */
export function mountEntries(envelope: SecretEnvelope | undefined): [string, MountEntry][] {
  const source = (envelope?.data ?? envelope ?? {}) as Record<string, unknown>
  return Object.entries(source)
    .filter(([path, value]) => path.endsWith('/') && value !== null && typeof value === 'object')
    .map(([path, value]): [string, MountEntry] => [path, value as MountEntry])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function ttl(value: unknown): string {
  const n = Number(value ?? 0)
  return n > 0 ? humanDuration(n) : 'system'
}

export function printMountTable(
  ctx: CommandContext,
  entries: [string, MountEntry][],
  detailed: boolean,
): number {
  if (printStructured(ctx, Object.fromEntries(entries))) return 0
  if (!detailed) {
    ctx.out(
      renderColumns(
        ['Path', 'Type', 'Accessor', 'Description'],
        entries.map(([path, m]) => [path, m.type ?? '', m.accessor ?? '', m.description ?? 'n/a']),
      ),
    )
    return 0
  }
  ctx.out(
    renderColumns(
      [
        'Path',
        'Type',
        'Accessor',
        'Default TTL',
        'Max TTL',
        'Force No Cache',
        'Replication',
        'Seal Wrap',
        'Options',
        'Description',
        'UUID',
      ],
      entries.map(([path, m]) => [
        path,
        m.type ?? '',
        m.accessor ?? '',
        ttl(m.config?.['default_lease_ttl']),
        ttl(m.config?.['max_lease_ttl']),
        String(Boolean(m.config?.['force_no_cache'])),
        m.local ? 'local' : 'replicated',
        String(Boolean(m.seal_wrap)),
        formatCell(m.options ?? {}),
        m.description || 'n/a',
        m.uuid ?? '',
      ]),
    ),
  )
  return 0
}

export const MOUNT_CONFIG_FLAGS: readonly FlagSpec[] = [
  { name: 'description', kind: 'string', usage: 'Human-readable description of the mount' },
  { name: 'default-lease-ttl', kind: 'duration', usage: 'Default lease TTL for this mount' },
  { name: 'max-lease-ttl', kind: 'duration', usage: 'Maximum lease TTL for this mount' },
  {
    name: 'listing-visibility',
    kind: 'string',
    usage: 'Whether the UI lists the mount: "unauth" or "hidden"',
  },
  { name: 'audit-non-hmac-request-keys', kind: 'list', usage: 'Request keys the audit log keeps in clear' },
  { name: 'audit-non-hmac-response-keys', kind: 'list', usage: 'Response keys the audit log keeps in clear' },
  { name: 'passthrough-request-headers', kind: 'list', usage: 'Request headers passed to the backend' },
  { name: 'allowed-response-headers', kind: 'list', usage: 'Response headers the backend may set' },
  { name: 'options', kind: 'map', usage: 'Backend option key=value; repeat for several' },
]

/** The `config` object for enable and the body for tune share these snake_case keys. */
export function mountConfig(flags: FlagReader): Record<string, unknown> {
  const config: Record<string, unknown> = {}
  if (flags.has('default-lease-ttl')) config['default_lease_ttl'] = flags.string('default-lease-ttl')
  if (flags.has('max-lease-ttl')) config['max_lease_ttl'] = flags.string('max-lease-ttl')
  if (flags.has('listing-visibility')) config['listing_visibility'] = flags.string('listing-visibility')
  if (flags.has('force-no-cache')) config['force_no_cache'] = flags.bool('force-no-cache')
  for (const name of [
    'audit-non-hmac-request-keys',
    'audit-non-hmac-response-keys',
    'passthrough-request-headers',
    'allowed-response-headers',
  ]) {
    if (flags.has(name)) config[name.replaceAll('-', '_')] = flags.list(name)
  }
  return config
}

export function cleanMountPath(path: string): string {
  return `${path.replace(/^\/+|\/+$/g, '')}/`
}
