// What a rotator needs from one kind of database: log in, run a harmless query, change passwords, clone a user.

/** Where and as whom to log in, from a secret's JSON. */
export interface Credentials {
  host: string
  port: number
  username: string
  password: string
  dbname?: string
}

/** A logged-in connection. Every method rejects with the driver's error; the caller words it safely. */
export interface Session {
  /** A harmless query proving the login is usable (testSecret). */
  check(): Promise<void>
  /** Change the logged-in user's own password (single user). */
  changeOwnPassword(username: string, password: string): Promise<void>
  userExists(username: string): Promise<boolean>
  /** Create `clone` able to log in with `password`, holding the grants of `original` (alternating users). */
  createClone(original: string, clone: string, password: string): Promise<void>
  /** Set another user's password, as an administrator (alternating users). */
  setPassword(username: string, password: string): Promise<void>
  /**
   * Run `work` while no other rotator session on this server runs work for the same `key`, where the database
   * does not make the work atomic itself (MySQL commits each statement of a clone's creation on its own).
   */
  exclusively<T>(key: string, work: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface DatabaseDriver {
  /** For messages: "PostgreSQL", "MySQL/MariaDB", "Redis". */
  label: string
  /** The `engine` values a secret for this driver may carry. */
  engines: readonly string[]
  defaultPort: number
  /** Rejects with the driver's error when the login is refused or the server cannot be reached. */
  login(credentials: Credentials): Promise<Session>
}
