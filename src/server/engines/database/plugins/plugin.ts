// The one small interface every database plugin implements: connect, then create, renew, delete users and set passwords.

/** What a plugin needs to open a connection; connection_url still holds its {{username}}/{{password}} placeholders. */
export interface ConnectionSettings {
  connectionUrl: string
  username: string
  password: string
  maxOpenConnections: number
  maxIdleConnections: number
  /** Seconds; 0 means connections live until closed. */
  maxConnectionLifetime: number
  host: string
  port: number
  tls: boolean
  insecureTls: boolean
  caCert: string
  /** disable_escaping: the root credentials go into connection_url verbatim. */
  disableEscaping: boolean
  /** PostgreSQL: 'scram-sha-256' sends passwords to the database as SCRAM verifiers, never in clear. */
  passwordAuthentication: PasswordAuthentication
}

export type PasswordAuthentication = 'password' | 'scram-sha-256'

export interface NewUser {
  username: string
  password: string
  /** When the lease ends; statements see it as {{expiration}}. */
  expiration: Date
  statements: string[]
  rollbackStatements: string[]
}

/** A live connection pool for one config; every method throws the driver's error, which the caller scrubs. */
export interface DatabaseConnection {
  verify(): Promise<void>
  newUser(user: NewUser): Promise<void>
  renewUser(username: string, expiration: Date, statements: string[]): Promise<void>
  /** Empty statements mean the plugin's default: end the user's sessions and drop the user. */
  deleteUser(username: string, statements: string[]): Promise<void>
  /** Sets a user's password; empty statements mean the plugin's default ALTER. `self` is the root user rotating itself. */
  setPassword(username: string, password: string, statements: string[], self: boolean): Promise<void>
  close(): Promise<void>
}

export interface DatabasePlugin {
  readonly kind: 'postgres' | 'mysql' | 'redis'
  /** Vault's default username template for this plugin (Go template syntax). */
  readonly defaultUsernameTemplate: string
  /** Refuse settings that can never connect (a malformed URL) before anything is stored; throws InvalidRequestError. */
  validate(settings: ConnectionSettings): void
  /** Opens the pool; the first query connects. */
  open(settings: ConnectionSettings): DatabaseConnection
}
