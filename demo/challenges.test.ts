import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { openTestDatabase } from "@/testing/database";
import type { Connections } from "../spark/connections";
import { sampleImageFor, testConnections } from "../testing/connections";
import { challengesSource, type ChallengeCandidate } from "./challenges";

const now = new Date("2026-03-15T12:00:00.000Z");
const clock = () => now;

// The demo seeds challenges 1–12 and participants 1–7 (Ada is 1, Máire O'Brien 5); these come after.
const OWNER = 8;
const nearlyTwoDaysId = 13;
const exactlyTwoDaysId = 14;

let database: Database;
let connections: Connections;

async function batchesOf(batchSize: number): Promise<ChallengeCandidate[][]> {
  const batches: ChallengeCandidate[][] = [];
  for await (const batch of challengesSource.candidates({ db: database.db, clock, batchSize, connections }))
    batches.push(batch);
  return batches;
}

beforeAll(async () => {
  database = await openTestDatabase();
  const image = sampleImageFor({
    now,
    key: "challenges.test",
    setup: async (exec) => {
      await exec(
        `insert into demo.participants (id, name, email) values (${OWNER}, 'Olive Owner', 'olive@example.com')`,
      );
      // One millisecond short of two days since the start, and an hour past the end: both round down.
      await exec(`
        insert into demo.challenges (id, title, owner_id, created_at, starts_at, ends_at)
        values (${nearlyTwoDaysId}, 'Hand-checked', ${OWNER}, '2026-03-01T08:30:00Z', '2026-03-13T12:00:00.001Z', '2026-03-15T11:00:00Z'),
               (${exactlyTwoDaysId}, 'Exactly two days', ${OWNER}, '2026-03-13T12:00:00Z', '2026-03-13T12:00:00Z', '2026-03-17T12:00:00Z')`);
      await exec(`
        insert into demo.donations (challenge_id, participant_id, amount, created_at)
        values (${nearlyTwoDaysId}, 5, 4.75, '2026-03-14T00:00:00Z'),
               (${nearlyTwoDaysId}, 1, 10.25, '2026-03-14T01:00:00Z'),
               (${nearlyTwoDaysId}, 1, 5, '2026-03-14T02:00:00Z')`);
    },
  });
  connections = testConnections(database, { image });
});
afterAll(async () => {
  await connections?.close();
  await database?.close();
});

describe("the challenges source", () => {
  it("yields every challenge exactly once, in batches of at most three", async () => {
    const batches = await batchesOf(3);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 3, 2]);
    const ids = batches.flat().map((c) => c.id);
    expect(new Set(ids).size).toBe(14);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("yields no empty batch when the last one is full", async () => {
    expect((await batchesOf(7)).map((b) => b.length)).toEqual([7, 7]);
  });

  it("computes a hand-checked challenge's variables exactly", async () => {
    const candidate = (await batchesOf(3)).flat().find((c) => c.id === nearlyTwoDaysId)!;
    expect(challengesSource.context(candidate, { db: database.db, clock, batchSize: 3, connections })).toEqual({
      title: "Hand-checked",
      owner_name: "Olive Owner",
      owner_email: "olive@example.com",
      created_at: "2026-03-01T08:30:00.000Z",
      starts_at: "2026-03-13T12:00:00.001Z",
      ends_at: "2026-03-15T11:00:00.000Z",
      days_since_start: 1,
      days_until_end: -1,
      donation_count: 3,
      donation_total: 20,
      has_started: true,
      has_ended: true,
      participants: [
        { name: "Olive Owner", email: "olive@example.com" },
        { name: "Ada Lovelace", email: "ada@example.com" },
        { name: "Máire O'Brien & <Co>", email: "obrien@example.com" },
      ],
    });
  });

  it("counts whole days on the boundary and an open challenge as not ended", async () => {
    const candidate = (await batchesOf(100)).flat().find((c) => c.id === exactlyTwoDaysId)!;
    const context = challengesSource.context(candidate, { db: database.db, clock, batchSize: 100, connections });
    expect(context).toMatchObject({
      days_since_start: 2,
      days_until_end: 2,
      donation_count: 0,
      donation_total: 0,
      has_started: true,
      has_ended: false,
    });
    expect(context.participants).toEqual([{ name: "Olive Owner", email: "olive@example.com" }]);
  });

  it("gives contexts that survive JSON unchanged and declares every variable it sets", async () => {
    for (const candidate of (await batchesOf(5)).flat()) {
      const context = challengesSource.context(candidate, { db: database.db, clock, batchSize: 5, connections });
      expect(JSON.parse(JSON.stringify(context))).toEqual(context);
      expect(Object.keys(context).sort()).toEqual(Object.keys(challengesSource.variables).sort());
    }
  });
});
