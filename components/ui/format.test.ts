import { describe, expect, it } from "vitest";
import { formatCount } from "./format";

describe("formatCount", () => {
  it("puts the noun in the singular for one and the plural otherwise", () => {
    expect(formatCount(1, "event")).toBe("1 event");
    expect(formatCount(0, "event")).toBe("0 events");
    expect(formatCount(2, "row")).toBe("2 rows");
    expect(formatCount(1204, "row")).toBe("1,204 rows");
    expect(formatCount(1, "delivery", "deliveries")).toBe("1 delivery");
    expect(formatCount(3, "delivery", "deliveries")).toBe("3 deliveries");
  });
});
