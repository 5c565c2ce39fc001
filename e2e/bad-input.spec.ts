import { cronSecret } from "./server";
import { expect, test } from "./fixtures";

const json = { "content-type": "application/json" };
const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

type Case = {
  name: string;
  path: string;
  headers?: Record<string, string>;
  body: string;
  status: number;
  error: RegExp;
};

const cases: Case[] = [
  {
    name: "a body that is not JSON",
    path: "/api/auth/login",
    headers: json,
    body: "{email:",
    status: 400,
    error: /not JSON/,
  },
  {
    name: "a form-encoded body",
    path: "/api/auth/login",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "email=a&password=b",
    status: 415,
    error: /application\/json/,
  },
  {
    name: "a body over 16 KiB",
    path: "/api/auth/login",
    headers: json,
    body: JSON.stringify({ email: "a@example.com", password: "x".repeat(20_000) }),
    status: 413,
    error: /larger than 16384 bytes/,
  },
  {
    name: "JSON nested 5,000 deep",
    path: "/api/auth/login",
    headers: json,
    body: deep(5000),
    status: 400,
    error: /Enter your email and password/,
  },
  {
    name: "wrong types",
    path: "/api/auth/login",
    headers: json,
    body: JSON.stringify({ email: 42, password: ["x"] }),
    status: 400,
    error: /Enter your email and password/,
  },
  {
    name: "missing fields",
    path: "/api/auth/login",
    headers: json,
    body: "{}",
    status: 400,
    error: /Enter your email and password/,
  },
  {
    name: "a lone surrogate and a NUL in the email",
    path: "/api/auth/login",
    headers: json,
    body: '{"email":"\\ud800a@example.com\\u0000","password":"x"}',
    status: 400,
    error: /Enter your email and password/,
  },
  {
    name: "an address without a domain",
    path: "/api/auth/login",
    headers: json,
    body: JSON.stringify({ email: "ada@", password: "x" }),
    status: 400,
    error: /Enter your email and password/,
  },
];

test.describe("route handlers answer bad input with a 4xx JSON message and stay up", () => {
  for (const c of cases) {
    test(c.name, async ({ request }) => {
      const response = await request.post(c.path, { headers: c.headers, data: Buffer.from(c.body) });
      expect(response.status()).toBe(c.status);
      expect((await response.json()).error).toMatch(c.error);
      expect((await request.get("/api/health")).status()).toBe(200);
    });
  }

  test("a job run id that is not a number, or does not exist", async ({ request }) => {
    const login = await request.post("/api/auth/login", {
      data: { email: "admin@example.com", password: "correct horse battery staple" },
    });
    expect(login.status()).toBe(200);
    const word = await request.get("/api/jobs/runs/abc");
    expect(word.status()).toBe(400);
    expect((await word.json()).error).toBe("A job run id is a whole number.");
    const missing = await request.get("/api/jobs/runs/999999999");
    expect(missing.status()).toBe(404);
    expect((await missing.json()).error).toBe("No job run #999999999.");
  });

  test("the cron route ignores whatever body it is sent", async ({ request }) => {
    const response = await request.post("/api/jobs/run", {
      headers: { authorization: `Bearer ${cronSecret}`, ...json },
      data: Buffer.from(deep(1000)),
    });
    expect(response.status()).toBe(200);
    expect(["ok", "error", "skipped"]).toContain((await response.json()).status);
  });
});
