import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { generators } from "@/db/schema";
import { openTestDatabase } from "@/testing/database";
import { compileConditions } from "../spark/generators/conditions";
import { demoGenerators, demoTemplates, seedDemo } from "./seed";
import type { Connections } from "../spark/connections";
import { sampleImageFor, testConnections } from "../testing/connections";
import { runJob } from "../spark/job/job";
import { testDeps } from "@/testing/deps";
import { demoSources } from "./index";
import { createCaptureMailer, type CapturedMessage } from "@/emails/transports/capture";
import { deliveries } from "@/db/schema";
import { challengesSource, type ChallengeCandidate } from "./challenges";

const now = new Date("2026-03-15T12:00:00.000Z");
const clock = () => now;

let database: Database;
let connections: Connections;

beforeAll(async () => {
  database = await openTestDatabase();
  connections = testConnections(database, { image: sampleImageFor({ now }) });
});
afterAll(async () => {
  await connections?.close();
  await database?.close();
});

async function rowCounts() {
  const result = await connections.sample().query(
    `select (select count(*) from demo.participants)::integer as participants,
            (select count(*) from demo.challenges)::integer as challenges,
            (select count(*) from demo.donations)::integer as donations`,
    [],
  );
  return result.rows[0];
}

async function allChallenges(): Promise<ChallengeCandidate[]> {
  const all: ChallengeCandidate[] = [];
  for await (const batch of challengesSource.candidates({ db: database.db, clock, batchSize: 100, connections }))
    all.push(...batch);
  return all;
}

describe("seedDemo", () => {
  it("creates the four generators and the templates in Spark's database, the demo's rows in the sample database only", async () => {
    const seeded = await seedDemo({ db: database.db, clock });
    expect(seeded).toEqual({
      generators: demoGenerators.map((g) => g.name),
      templates: demoTemplates.map((t) => t.name),
    });
    expect(await rowCounts()).toEqual({ participants: 7, challenges: 12, donations: 11 });
    const [own] = rowsOf<{ present: boolean }>(
      await database.db.execute(sql`select to_regclass('demo.challenges') is not null as present`),
    );
    expect(own?.present).toBe(false);
    const stored = await database.db.select().from(generators);
    expect(stored.map((g) => [g.name, g.source, g.active]).sort()).toEqual(
      demoGenerators.map((g) => [g.name, "code:challenges", true]).sort(),
    );
  });

  it("adds nothing when run again: same row counts, no second generator", async () => {
    const again = await seedDemo({ db: database.db, clock: () => new Date(now.getTime() + 86_400_000) });
    expect(again).toEqual({ generators: [], templates: [] });
    expect(await database.db.select().from(generators)).toHaveLength(4);
  });

  it("leaves a generator alone when one with its name exists in another case", async () => {
    await database.db.delete(generators).where(sql`${generators.name} = 'challenge_ended'`);
    await database.db
      .insert(generators)
      .values({ name: "Challenge_Ended", group: "mine", source: "code:challenges", conditions: [] });
    expect((await seedDemo({ db: database.db, clock })).generators).toEqual([]);
    const ended = (await database.db.select().from(generators)).filter(
      (g) => g.name.toLowerCase() === "challenge_ended",
    );
    expect(ended.map((g) => g.group)).toEqual(["mine"]);
  });

  it("gives each demo generator several candidates as soon as it is seeded", async () => {
    const candidates = await allChallenges();
    const matching = (name: string) => {
      const { test } = compileConditions(
        demoGenerators.find((g) => g.name === name)!.conditions!,
        challengesSource.variables,
      );
      return candidates
        .filter((c) => test(challengesSource.context(c, { db: database.db, clock, batchSize: 100, connections })))
        .map((c) => c.title);
    };
    expect(matching("challenge_created")).toHaveLength(12);
    expect(matching("challenge_inactivity_2d")).toEqual([
      "Swim across the lake",
      "Cycle to work every day",
      "Bake for the food bank",
      "No sugar for two weeks",
      "Walk 10,000 steps a day",
      "A silent week",
    ]);
    expect(matching("challenge_ends_2d")).toEqual([
      "Bake for the food bank",
      "No sugar for two weeks",
      "Walk 10,000 steps a day",
    ]);
    expect(matching("challenge_ended")).toEqual(["Marathon training", "A silent week", "Cold showers for 30 days"]);
  });

  it("events_from_challenge in django-spark's README: each demo generator passes exactly the challenges the README's comparisons pass, ended ones aside for challenge_ends_2d", async () => {
    const contexts = (await allChallenges()).map((c) =>
      challengesSource.context(c, { db: database.db, clock, batchSize: 100, connections }),
    );
    const passes = (name: string) => {
      const { test } = compileConditions(
        demoGenerators.find((g) => g.name === name)!.conditions!,
        challengesSource.variables,
      );
      return contexts.filter((c) => test(c)).map((c) => c.title);
    };
    const readme = (yields: (c: Record<string, number | boolean | unknown>) => boolean) =>
      contexts.filter((c) => yields(c as Record<string, number | boolean>)).map((c) => c.title);
    // (date.today() - challenge.start_date).days > 2 and challenge.donations.count() < 2
    expect(passes("challenge_inactivity_2d")).toEqual(
      readme((c) => (c.days_since_start as number) > 2 && (c.donation_count as number) < 2),
    );
    // (challenge.end_date - date.today()).days <= 2, not yet ended (see demoGenerators for why)
    expect(passes("challenge_ends_2d")).toEqual(
      readme((c) => (c.days_until_end as number) <= 2 && (c.days_until_end as number) >= 0),
    );
    // challenge.end_date < date.today()
    expect(passes("challenge_ended")).toEqual(readme((c) => c.has_ended === true));
    expect(passes("challenge_created")).toEqual(readme(() => true));
  });

  it("keeps the participant whose name needs escaping as written", async () => {
    const sample = connections.sample();
    const [row] = (await sample.query("select name from demo.participants where email = 'obrien@example.com'", []))
      .rows;
    expect(row?.name).toBe("Máire O'Brien & <Co>");
    const emails = (await sample.query("select email from demo.participants", [])).rows.map((r) => String(r.email));
    expect(emails.every((email) => email.endsWith("@example.com"))).toBe(true);
  });

  it("sends the demo's mail on the first pass: every demo template renders for every event, to example.com participants", async () => {
    const captured: CapturedMessage[] = [];
    const mailer = createCaptureMailer({ store: async (m) => void captured.push(m) });
    const deps = testDeps(database, {
      clock,
      mailer,
      connections,
      sources: demoSources,
      settings: { jobBudgetMs: 30_000, mail: { defaultFrom: "Spark <spark@localhost>" } },
    });
    const summary = await runJob(deps, { trigger: "manual" });
    expect(summary.status).toBe("ok");
    expect(summary.events.recorded).toBeGreaterThanOrEqual(23);
    const rows = await database.db.select().from(deliveries);
    expect(rows.filter((d) => d.status !== "sent").map((d) => d.lastError)).toEqual([]);
    expect(summary.deliveries).toEqual({ sent: rows.length, failed: 0, dead: 0 });
    // An earlier test here renamed the challenge_ended generator's group; the other three still mail.
    expect(new Set(rows.map((d) => d.group))).toEqual(
      new Set(demoTemplates.map((t) => t.group).filter((g) => g !== "challenge_ended")),
    );
    expect(captured.every((m) => m.envelope.to.every((to) => to.endsWith("@example.com")))).toBe(true);
    const ended = captured.find((m) => m.subject.startsWith("“Bake for the food bank” ends "))!;
    expect(ended.subject).toMatch(/ends (today|tomorrow|in 2 days)$/);
    expect(ended.headers.to.length).toBeGreaterThan(1);
    expect(
      captured.find(
        (m) => m.html.includes("Máire O&#39;Brien &amp; &lt;Co&gt;") || m.headers.to.some((t) => t.includes("O'Brien")),
      ),
    ).toBeDefined();
  });
});
