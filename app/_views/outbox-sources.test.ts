import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertConnection, SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { insertOutboxSource, saveOutboxProgress } from "@/db/queries/outbox-sources";
import { openTestDatabase, testDriver } from "@/testing/database";
import { loadNewOutboxSource, loadOutboxSourceEditor, loadOutboxSources } from "./outbox-sources";

const NOW = new Date("2030-01-01T00:00:00Z");

describe(`outbox source views on ${testDriver}`, () => {
  let database: Database;
  let connectionId: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    const row = await insertConnection(database.db, {
      values: { name: "shop", kind: "mysql", host: "db", port: 3306, database: "shop", username: "r", ssl: false },
      passwordSealed: null,
      origin: "ui",
      by: null,
    });
    connectionId = row!.id;
  });
  afterAll(() => database?.close());

  it("offers the applications' connections, not the sample database, which holds no outbox", async () => {
    const { connections } = await loadNewOutboxSource(database.db);
    expect(connections).toEqual([{ id: connectionId, name: "shop", kind: "mysql" }]);
    expect(connections.some((c) => c.id === SAMPLE_CONNECTION_ID)).toBe(false);
  });

  it("shows each source's checkpoint, the missing ids it waits for, its last read and its last error", async () => {
    const source = await insertOutboxSource(database.db, {
      name: "orders",
      description: "",
      connectionId,
      tableName: "spark_outbox",
    });
    await saveOutboxProgress(database.db, {
      id: source!.id,
      connectionId,
      tableName: "spark_outbox",
      checkpoint: 120,
      gaps: [
        { from: 3, to: 5, seenAt: NOW.toISOString() },
        { from: 90, to: 90, seenAt: NOW.toISOString() },
      ],
      readAt: NOW,
      lastError: "Skipped 1 row in the last pass; the first: Row id 7 skipped: group must be …",
    });
    const [row] = await loadOutboxSources(database.db);
    expect(row).toMatchObject({
      name: "orders",
      active: false,
      connectionName: "shop",
      connectionKind: "mysql",
      status: {
        checkpoint: 120,
        openGaps: 2,
        gapIds: 4,
        lastReadAt: NOW,
        lastError: expect.stringMatching(/^Skipped 1 row/),
      },
    });
    const editor = await loadOutboxSourceEditor(database.db, source!.id);
    expect(editor?.status).toEqual(row!.status);
    expect(await loadOutboxSourceEditor(database.db, "1")).toBeNull();
    expect(await loadOutboxSourceEditor(database.db, "00000000-0000-4000-8000-000000000000")).toBeNull();
  });
});
