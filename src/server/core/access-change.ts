// What is told when something that can change a token's effective ACL (a policy, an entity, a group) changes.

/**
 * `changing` runs synchronously before the stored change and `changed` once it is stored (awaited by the writer,
 * so a request that made the change answers only after what depends on the old access was dealt with).
 */
export interface AccessChangeListener {
  changing(): void
  changed(): Promise<void>
}
