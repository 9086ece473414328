// What is told when something that can change a token's effective ACL (a policy, an entity, a group) changes.

/**
 * What a change can concern: the tokens of `entityIds` only (a login's own alias), or the tokens acting with
 * `policy` only (that policy written or deleted); without either, any token.
 */
export interface AccessChangeScope {
  entityIds?: readonly string[]
  policy?: string
}

/**
 * `changed` runs once the change is stored and the caches it voids are dropped (awaited by the writer, so a request
 * that made the change answers only after what depends on the old access was dealt with).
 */
export interface AccessChangeListener {
  changed(scope: AccessChangeScope): Promise<void>
}
