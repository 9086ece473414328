// The server configuration with every secret left out, for sys/config/state/sanitized (Vault's Sanitized()).
import type { ListenerConfig, ServerConfig, StorageConfig } from './load-config.ts'

/**
 * Only fields known to be safe are copied (an allowlist): a field added to the config later stays out until
 * someone decides it may be shown. Left out on purpose: the PostgreSQL connection_url (it may hold a password),
 * event sink URLs, addresses and credentials, rotation functions' commands, environments, webhooks and HMAC secrets.
 * TLS file paths are shown; the files' contents never are.
 */
export function sanitizedConfig(config: ServerConfig): Record<string, unknown> {
  return {
    api_addr: config.apiAddr ?? '',
    cluster_addr: config.clusterAddr ?? '',
    default_lease_ttl: config.defaultLeaseTtl,
    max_lease_ttl: config.maxLeaseTtl,
    log_level: config.logLevel,
    disable_mlock: config.disableMlock,
    enable_ui: config.ui,
    raw_storage_endpoint: false,
    list_filter: config.listFilter ?? 'policy',
    listeners: config.listeners.map(listener),
    storage: storage(config.storage),
    // Shamir is the only seal Coffer has.
    seals: [{ type: 'shamir', disabled: false }],
    telemetry: {
      prometheus_retention_time: config.telemetry?.prometheusRetentionSeconds ?? null,
      disable_hostname: config.telemetry?.disableHostname ?? false,
      secret_access_path_depth: config.telemetry?.secretAccessPathDepth ?? null,
      secret_access_path_limit: config.telemetry?.secretAccessPathLimit ?? null,
    },
    event_sinks: (config.eventSinks ?? []).map((sink) => ({
      type: sink.type,
      name: sink.name,
      event_types: sink.eventTypes,
      queue_size: sink.queueSize,
      timeout: sink.timeout,
    })),
    rotation_functions: Object.fromEntries(
      Object.entries(config.rotationFunctions ?? {}).map(([name, fn]) => [
        name,
        {
          kind: fn.kind,
          ...(fn.kind === 'builtin' ? { builtin: fn.builtin } : {}),
          policies: fn.policies ?? [],
        },
      ]),
    ),
    anomaly_detection: { enabled: config.anomalyDetection?.enabled ?? false },
  }
}

function listener(l: ListenerConfig): Record<string, unknown> {
  return {
    type: l.type,
    config: {
      address: l.address,
      tls_disable: l.tlsDisable,
      ...(l.tlsCertFile ? { tls_cert_file: l.tlsCertFile } : {}),
      ...(l.tlsKeyFile ? { tls_key_file: l.tlsKeyFile } : {}),
      ...(l.tlsClientCaFile ? { tls_client_ca_file: l.tlsClientCaFile } : {}),
      tls_require_and_verify_client_cert: l.tlsRequireAndVerifyClientCert ?? false,
      tls_disable_client_certs: l.tlsDisableClientCerts ?? false,
      max_request_size: l.maxRequestSize,
      ...(l.maxJsonDepth !== undefined ? { max_json_depth: l.maxJsonDepth } : {}),
      ...(l.maxJsonStringValueLength !== undefined
        ? { max_json_string_value_length: l.maxJsonStringValueLength }
        : {}),
      ...(l.maxJsonObjectEntryCount !== undefined
        ? { max_json_object_entry_count: l.maxJsonObjectEntryCount }
        : {}),
      ...(l.maxJsonArrayElementCount !== undefined
        ? { max_json_array_element_count: l.maxJsonArrayElementCount }
        : {}),
      ...(l.httpReadHeaderTimeout !== undefined ? { http_read_header_timeout: l.httpReadHeaderTimeout } : {}),
      ...(l.httpReadTimeout !== undefined ? { http_read_timeout: l.httpReadTimeout } : {}),
      telemetry: { unauthenticated_metrics_access: l.unauthenticatedMetricsAccess ?? false },
    },
  }
}

function storage(s: StorageConfig): Record<string, unknown> {
  if (s.type !== 'postgresql') return { type: s.type, ...(s.path ? { path: s.path } : {}) }
  return {
    type: s.type,
    table: s.table,
    max_parallel: s.maxParallel,
    ...(s.maxIdleConnections !== undefined ? { max_idle_connections: s.maxIdleConnections } : {}),
    skip_create_table: s.skipCreateTable,
    ha_enabled: s.haEnabled,
    ha_table: s.haTable,
  }
}
