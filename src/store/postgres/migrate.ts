import { readdirSync, readFileSync } from 'node:fs';
import type { Pool } from 'pg';

const MIGRATIONS_DIR = new URL('../migrations/postgres/', import.meta.url);

/** Advisory lock key of the migrator ("celeriac" as a 63-bit number). */
const MIGRATION_LOCK = 0x63656c6572696163n;

/**
 * Applies the numbered .sql files not yet in schema_migrations, each in its own transaction,
 * while holding a session advisory lock: two instances starting at once take turns, and the
 * second finds everything applied.
 */
export async function migratePostgres(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)`);
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
      const applied: string[] = [];
      for (const f of files) {
        const version = Number.parseInt(f, 10);
        if (done.has(version)) continue;
        const sql = readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [version, f, Date.now() / 1000]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${f} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        applied.push(f);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    }
  } finally {
    client.release();
  }
}
