import { describe, expect, it } from "vitest";
import type { Deps } from "../deps";
import { sendContinuously } from "./outbox";

// Nothing is sent here, so the sender needs only its mailer's connection count and the lease.
const deps = { mailer: { concurrency: 2 }, settings: { leaseMs: 60_000 } } as unknown as Deps;

describe("the continuous sender", () => {
  it("claims the next batch while another is still being claimed, up to its depth, so rendering and writing overlap", async () => {
    let calls = 0;
    let active = 0;
    let most = 0;
    let secondStarted!: () => void;
    const second = new Promise<void>((resolve) => (secondStarted = resolve));
    const next = async () => {
      const call = ++calls;
      active++;
      most = Math.max(most, active);
      // The first claim ends only once a second has begun: with one claim at a time this never returns.
      if (call === 1) await second;
      else secondStarted();
      active--;
      return { rows: [], more: false };
    };
    const tally = await sendContinuously(deps, { next, low: 10, depth: 2 });
    expect(most).toBe(2);
    expect(tally).toEqual({ claimed: 0, sent: 0, failed: 0, dead: 0 });
  });

  it("with a depth of one, never claims twice at once", async () => {
    let active = 0;
    let most = 0;
    let left = 3;
    const next = async () => {
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setImmediate(resolve));
      active--;
      return { rows: [], more: --left > 0 };
    };
    await sendContinuously(deps, { next, low: 10 });
    expect(most).toBe(1);
    expect(left).toBe(0);
  });
});
