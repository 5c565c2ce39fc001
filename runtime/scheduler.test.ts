import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../spark/logger";
import { startScheduler } from "./scheduler";

describe("startScheduler", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs a pass after the first delay and then every interval, one at a time", async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    let passes = 0;
    const scheduler = startScheduler({
      everySeconds: 60,
      firstDelayMs: 5_000,
      log: silentLogger,
      pass: async () => {
        running++;
        most = Math.max(most, running);
        passes++;
        await new Promise((r) => setTimeout(r, 90_000));
        running--;
      },
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(passes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(passes).toBe(1);
    expect(scheduler.nextAt()).toBeNull();
    await vi.advanceTimersByTimeAsync(90_000 + 60_000);
    expect(passes).toBe(2);
    expect(most).toBe(1);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(passes).toBe(2);
  });

  it("keeps going after a pass throws", async () => {
    vi.useFakeTimers();
    let passes = 0;
    const scheduler = startScheduler({
      everySeconds: 1,
      firstDelayMs: 0,
      log: silentLogger,
      pass: async () => {
        passes++;
        throw new Error("boom");
      },
    });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(passes).toBeGreaterThanOrEqual(3);
    scheduler.stop();
  });

  it("lets a stop wait for the pass under way, and is idle at once when none runs", async () => {
    vi.useFakeTimers();
    let finish!: () => void;
    let ended = false;
    const scheduler = startScheduler({
      everySeconds: 60,
      firstDelayMs: 0,
      log: silentLogger,
      pass: async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        ended = true;
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    scheduler.stop();
    let idle = false;
    void scheduler.idle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(idle).toBe(false);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toBe(true);
    expect(idle).toBe(true);
    await scheduler.idle();
  });
});
