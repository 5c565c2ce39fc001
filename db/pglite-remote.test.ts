import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./client";
import { DatabaseOpenError } from "./errors";
import { rowsOf } from "./rows";

describe("the embedded database runs in a worker thread", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ driver: "pglite", memory: true });
    await database.db.execute(sql`create table things (id int primary key, note text not null)`);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("a long query does not stop the server's other work: a timer set after it started fires before it ends", async () => {
    const order: string[] = [];
    const heavy = database.db
      .execute(sql`select count(*) from generate_series(1, 3000000)`)
      .then(() => order.push("query"));
    setTimeout(() => order.push("timer"), 0);
    await heavy;
    expect(order).toEqual(["timer", "query"]);
  });

  it("keeps what drizzle reads of each type: timestamps as its own dates, json as objects, counts as numbers", async () => {
    const [row] = await database.db
      .select({ at: sql<Date>`now()`.mapWith((v: string) => new Date(v)), n: sql<number>`count(*)::int` })
      .from(sql`things`);
    expect(row!.at).toBeInstanceOf(Date);
    expect(Number.isNaN(row!.at.getTime())).toBe(false);
    const [json] = rowsOf<{ j: unknown }>(await database.db.execute(sql`select '{"a":[1,"x"]}'::jsonb as j`));
    expect(json!.j).toEqual({ a: [1, "x"] });
  });

  it("hands back the database's error with its code and position, so callers tell conflicts and mistakes apart", async () => {
    await database.db.execute(sql`insert into things values (1, 'one')`);
    const conflict = await database.db.execute(sql`insert into things values (1, 'again')`).catch((e: unknown) => e);
    expect((conflict as { cause?: { code?: string } }).cause?.code).toBe("23505");
    const mistake = await database.db.execute(sql.raw("select nosuchcolumn from things")).catch((e: unknown) => e);
    expect((mistake as { cause?: { code?: string; position?: string } }).cause).toMatchObject({
      code: "42703",
      position: "8",
    });
  });

  it("rolls a transaction back when its function throws, and a savepoint alone when a nested one does", async () => {
    await database.db.execute(sql`delete from things`);
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into things values (2, 'lost')`);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into things values (3, 'kept')`);
      await tx
        .transaction(async (inner) => {
          await inner.execute(sql`insert into things values (3, 'duplicate')`);
        })
        .catch(() => {});
      await tx.execute(sql`insert into things values (4, 'after the savepoint')`);
    });
    const rows = rowsOf<{ id: number }>(await database.db.execute(sql`select id from things order by id`));
    expect(rows.map((r) => r.id)).toEqual([3, 4]);
  });

  it("a statement outside an open transaction waits for it, as on one session, and sees what it committed", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => (inside = resolve));
    const transaction = database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into things values (10, 'in the transaction')`);
      inside();
      await held;
    });
    await opened;
    const outside = database.db.execute(sql`select count(*)::int as n from things where id = 10`);
    release();
    await transaction;
    expect(rowsOf<{ n: number }>(await outside)[0]!.n).toBe(1);
  });

  it("notifies listeners once the notifying transaction commits, and not after it rolled back", async () => {
    const heard: string[] = [];
    const stop = await database.listen("spark_test", () => heard.push("notified"));
    await database.db
      .transaction(async (tx) => {
        await tx.execute(sql`notify spark_test`);
        throw new Error("undo");
      })
      .catch(() => {});
    await database.db.execute(sql`notify spark_test`);
    // A round trip after the notify: the notification crossed before its answer.
    await database.db.execute(sql`select 1`);
    await stop();
    expect(heard).toEqual(["notified"]);
  });

  it("refuses work once closed with a sentence, not a hang", async () => {
    const closing = await openDatabase({ driver: "pglite", memory: true });
    await closing.close();
    const error = await closing.db.execute(sql`select 1`).catch((e: unknown) => e);
    expect((error as { cause?: Error }).cause?.message).toBe("The embedded database is closed.");
  });
});

describe("opening the embedded database", () => {
  it("says which directory could not be opened", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spark-pglite-"));
    try {
      // A file where PGlite expects its data directory.
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(dir, "pgdata"), "not a database");
      const error = await openDatabase({ driver: "pglite", dataDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseOpenError);
      expect((error as Error).message).toContain(`The embedded database in ${dir} could not be opened`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
