// What an engine reports about each secret it holds for the compliance report: names, dates and rotation, never values.

/** A secret's rotation as its engine keeps it; times are milliseconds since the epoch. */
export interface InventoryRotation {
  /** What the policy says, as text ("every 30 days", "cron(0 4 * * ? *)", "24h"), for people to read. */
  policy?: string
  /** The longest a value may live under that policy, in seconds, when the policy has a fixed period. */
  periodSeconds?: number
  /** False when a configuration exists but is switched off (a cancelled rotation). */
  enabled: boolean
  lastRotated?: number
  nextRotation?: number
  /** Failed attempts of the rotation under way, or the count the engine keeps. */
  failures?: number
  lastFailure?: { time: number; message: string }
}

/** One secret, credential role or key. */
export interface InventoryItem {
  /** kv, secretsmanager, ssm, database-static-role, database-role, transit-key */
  kind: string
  /** The logical path clients name it by, mount included (the path the leak index reports for stored values). */
  path: string
  name: string
  created?: number
  updated?: number
  versions?: number
  /** Custom metadata, tag or label keys only: their values may themselves be sensitive. */
  metadataKeys?: string[]
  /** Engine-specific facts that are not secret: an ARN, a KMS key id, a key type, a username. */
  details?: Record<string, string | number | boolean>
  /** Absent when the engine keeps no rotation for it (KV v1, SSM): the report's max-age rule applies. */
  rotation?: InventoryRotation
  /** Dynamic roles issue short-lived credentials under leases: nothing stored to rotate. */
  dynamic?: boolean
}
