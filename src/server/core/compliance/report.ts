// The compliance report's JSON shape (sys/reports/compliance): sections, the controls each evidences, and the summary.

/** A section the server cannot produce (no provider registered, no readable audit log) says so, and why. */
export interface Unavailable {
  available: false
  reason: string
}

/** One pass/fail line of the summary. */
export interface Check {
  section: string
  name: string
  status: 'pass' | 'fail' | 'unavailable'
  detail: string
}

export interface ControlRef {
  framework: 'PCI DSS' | 'SOC 2' | 'HIPAA' | 'GDPR'
  control: string
  title: string
}

export interface InventoryEntry {
  kind: string
  path: string
  name: string
  mount: string
  created: string | null
  updated: string | null
  versions: number | null
  metadata_keys: string[]
  details: Record<string, string | number | boolean>
}

export interface RotationEntry {
  kind: string
  path: string
  /** "policy" when the engine keeps a rotation schedule, "max_age" when the report's max-age rule applies. */
  basis: 'policy' | 'max_age' | 'none'
  policy: string
  period_seconds: number | null
  enabled: boolean
  /** Seconds since the value last changed (its last rotation, or its last write). */
  age_seconds: number | null
  last_rotated: string | null
  next_rotation: string | null
  failures: number
  last_failure: { time: string; message: string } | null
  compliant: boolean
  reason: string
}

export interface Bucket {
  label: string
  count: number
}

export interface ComplianceReport {
  generated_at: string
  window: { since: string; until: string; seconds: number }
  server_version: string
  max_age_seconds: number
  summary: { pass: number; fail: number; unavailable: number; checks: Check[] }
  controls: Record<string, ControlRef[]>
  sections: {
    inventory: { available: true; total: number; by_kind: Bucket[]; items: InventoryEntry[] }
    rotation: {
      available: true
      compliant: number
      non_compliant: number
      age_histogram: Bucket[]
      secrets: RotationEntry[]
    }
    dynamic_credentials: DynamicCredentials
    access_reviews: AccessReviewsSection | Unavailable
    anomalies: AnomaliesSection | Unavailable
    leak_incidents: LeakSection
    root_token_use: RootTokenSection
    access_activity: AccessActivity | Unavailable
  }
}

export interface DynamicCredentials {
  available: true
  /** Where issued/revoked counts in the window come from: the audit log when one is readable, else live leases only. */
  window_source: 'audit_log' | 'live_leases'
  roles: {
    mount: string
    role: string
    active: number
    issued_in_window: number
    revoked_in_window: number | null
  }[]
  totals: { active: number; issued_in_window: number; revoked_in_window: number | null }
}

export interface AccessReviewsSection {
  available: true
  total: number
  open: number
  closed: number
  closed_in_window: number
  /** When the most recent review closed (any time, not only in the window). */
  last_closed_at: string | null
  decisions: Bucket[]
  reviews: {
    id: string
    name: string
    status: string
    reviewer: string
    started_at: string
    closed_at: string | null
    decisions: number
    revoked: number
  }[]
}

export interface AnomaliesSection {
  available: true
  total: number
  acknowledged: number
  unacknowledged: number
  by_type: Bucket[]
  items: {
    id: string
    type: string
    score: number
    time: string
    display_name: string
    path: string
    acknowledged: boolean
    acknowledged_by: string | null
    acknowledged_at: string | null
  }[]
}

export interface LeakSection {
  available: true
  total: number
  open: number
  incidents: {
    id: string
    time: string
    requested_by: string
    matches: {
      path: string
      field: string
      version: number | null
      response: 'rotated' | 'open' | 'gone'
      at: string | null
    }[]
  }[]
}

export interface RootTokenSection {
  available: true
  /** Live tokens holding the root policy right now (from the token store). */
  active_root_tokens: { display_name: string; created: string; expires: string | null }[]
  /** From the audit log; null when none is readable. */
  audit: {
    device: string
    generate_root_completions: { time: string; remote_address: string }[]
    root_tokens_created: { time: string; display_name: string; path: string }[]
    root_token_requests: number
    root_token_requests_by_day: Bucket[]
    recent_root_requests: {
      time: string
      operation: string
      path: string
      display_name: string
      remote_address: string
    }[]
  } | null
  audit_unavailable_reason?: string
}

export interface AccessActivity {
  available: true
  device: string
  requests: number
  denied: number
  /** One bucket per day of the window, oldest first, label YYYY-MM-DD. */
  requests_by_day: Bucket[]
  denied_by_day: Bucket[]
}
