import pg from 'pg';
import { PG_BASE } from './services.js';

/** URL of a test database on the local server. */
export const pgUrl = (db: string) => `${PG_BASE}/${db}`;

/** (Re)creates an empty database owned by this test file; returns its URL. */
export async function createTestDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: pgUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return pgUrl(name);
}

export async function dropTestDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: pgUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Empties a database by recreating its public schema (extensions and all). */
export async function resetSchema(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  } finally {
    await c.end();
  }
}
