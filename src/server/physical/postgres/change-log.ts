// The change log HA standbys follow: every fenced write transaction records the keys it changed, numbered without gaps.
import type pg from 'pg'
import type { Tables } from './dialect.ts'

/** What a standby learns from the log: the newest change number, and the keys changed since it last asked. */
export interface ChangesSince {
  head: number
  /** Keys changed after the asked-for number; 'all' when the log no longer reaches back that far (pruned). */
  keys: readonly string[] | 'all'
}

/** Records older than this are pruned; a standby that last synchronised before that reloads everything. */
const KEEP = "interval '10 minutes'"
/** The key a whole-store replacement (a snapshot restore) records: everything changed. */
export const EVERYTHING = '*'

export class ChangeLog {
  readonly #head: string
  readonly #changes: string
  #sincePrune = 0

  constructor(tables: Tables) {
    const parts = tables.name.split('.')
    const quote = (part: string) => `"${part}"`
    const sibling = (suffix: string) =>
      [...parts.slice(0, -1), `${parts.at(-1)}${suffix}`].map(quote).join('.')
    this.#head = sibling('_change_head')
    this.#changes = sibling('_changes')
  }

  /** Create the two tables when missing (under the caller's transaction and schema lock). */
  async ensure(client: pg.PoolClient): Promise<void> {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${this.#head} (id INT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL)`,
    )
    await client.query(`INSERT INTO ${this.#head} (id, seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${this.#changes} (seq BIGINT PRIMARY KEY, keys TEXT[] NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`,
    )
  }

  /**
   * Inside a write transaction: the next number (the head row's lock orders writers, so numbers follow commit
   * order without gaps) and the keys. Every thousandth record also prunes the old ones.
   */
  async record(client: pg.PoolClient, keys: readonly string[]): Promise<void> {
    await client.query(
      `WITH next AS (UPDATE ${this.#head} SET seq = seq + 1 WHERE id = 1 RETURNING seq)
       INSERT INTO ${this.#changes} (seq, keys) SELECT seq, $1::text[] FROM next`,
      [keys],
    )
    if (++this.#sincePrune >= 1000) {
      this.#sincePrune = 0
      await client.query(`DELETE FROM ${this.#changes} WHERE at < clock_timestamp() - ${KEEP}`)
    }
  }

  /** The changes after `since`, in one statement. */
  async since(client: pg.PoolClient | pg.Pool, since: number): Promise<ChangesSince> {
    const result = await client.query<{ head: string; seq: string | null; keys: string[] | null }>(
      `SELECT h.seq AS head, c.seq, c.keys FROM ${this.#head} h
       LEFT JOIN ${this.#changes} c ON c.seq > $1 WHERE h.id = 1 ORDER BY c.seq`,
      [since],
    )
    const head = Number(result.rows[0]?.head ?? 0)
    if (head <= since) return { head, keys: [] }
    const rows = result.rows.filter((row) => row.seq !== null)
    // Numbers have no gaps: a first record later than the next one means the ones between were pruned.
    if (rows.length === 0 || Number(rows[0]!.seq) !== since + 1) return { head, keys: 'all' }
    const keys: string[] = []
    for (const row of rows) {
      for (const key of row.keys ?? []) {
        if (key === EVERYTHING) return { head, keys: 'all' }
        keys.push(key)
      }
    }
    return { head, keys }
  }
}
