import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BarChart } from "./bar-chart";

const axis = (html: string) =>
  [...html.matchAll(/<time dateTime="([^"]+)"[^>]*>([^<]+)<\/time>/g)].map((m) => m.slice(1));

describe("BarChart's axis", () => {
  it("names dates, oldest on the left, whatever order the data came in", () => {
    const hours = Array.from({ length: 24 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 10, 30, 8 + i)),
      count: i,
    })).reverse();
    const labels = axis(renderToStaticMarkup(<BarChart data={hours} label="Events" bucket="hour" />));
    expect(labels).toEqual([
      ["2026-11-30T08:00:00.000Z", "Nov 30, 08:00"],
      ["2026-11-30T19:00:00.000Z", "Nov 30, 19:00"],
      ["2026-12-01T07:00:00.000Z", "Dec 1, 07:00"],
    ]);
  });

  it("names the days of a week with their dates", () => {
    const days = Array.from({ length: 7 }, (_, i) => ({ at: new Date(Date.UTC(2026, 10, 25 + i)), count: 1 }));
    const labels = axis(renderToStaticMarkup(<BarChart data={days} label="Mail" bucket="day" />)).map((l) => l[1]);
    expect(labels).toEqual(["Wed, Nov 25", "Sat, Nov 28", "Tue, Dec 1"]);
  });
});
