import type Database from 'better-sqlite3';

/**
 * Changes to the number of tasks per state (task_counts, migrations/sqlite/0090), gathered
 * while a batch is written and added with one statement per state (statements.ts COUNT_STATE).
 */
export class StateCounts {
  private readonly delta = new Map<string, number>();

  add(state: string, n: number): void {
    this.delta.set(state, (this.delta.get(state) ?? 0) + n);
  }

  write(st: Database.Statement): void {
    for (const [state, n] of this.delta) if (n !== 0) st.run(state, n);
  }
}

