import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { onAbort } from "./abort";

describe("onAbort", () => {
  it("puts one listener on a signal however many callbacks wait on it, and calls each once", () => {
    const controller = new AbortController();
    const called: number[] = [];
    const forgets = Array.from({ length: 1_000 }, (_, i) => onAbort(controller.signal, () => called.push(i)));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    forgets[3]!();
    controller.abort();
    controller.abort();
    expect(called).toHaveLength(999);
    expect(called).not.toContain(3);
  });

  it("calls at once on a signal already aborted, and does nothing without a signal", () => {
    let calls = 0;
    onAbort(AbortSignal.abort(), () => calls++);
    expect(calls).toBe(1);
    onAbort(undefined, () => calls++)();
    expect(calls).toBe(1);
  });

  it("starts afresh on a signal after its callbacks were all forgotten", () => {
    const controller = new AbortController();
    onAbort(controller.signal, () => {})();
    let calls = 0;
    onAbort(controller.signal, () => calls++);
    controller.abort();
    expect(calls).toBe(1);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("calls every callback even when one throws", () => {
    const controller = new AbortController();
    const called: string[] = [];
    onAbort(controller.signal, () => called.push("first"));
    onAbort(controller.signal, () => {
      throw new Error("a callback that breaks");
    });
    onAbort(controller.signal, () => called.push("last"));
    controller.abort();
    expect(called).toEqual(["first", "last"]);
  });
});
