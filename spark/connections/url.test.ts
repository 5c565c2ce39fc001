import { describe, expect, it } from "vitest";
import { targetOfUrl } from "../imports/commands";
import { targetOfConnectionUrl, tlsOfUrl } from "./url";

describe("the TLS a connection URL asks for", () => {
  const of = (url: string, kind: "postgres" | "mysql") => tlsOfUrl(new URL(url), { kind, where: "--from" });

  it("encrypts when asked to, and not otherwise", () => {
    expect(of("postgres://u@h/db?sslmode=require", "postgres")).toEqual({ ok: true, ssl: true });
    expect(of("postgres://u@h/db?ssl=true", "postgres")).toEqual({ ok: true, ssl: true });
    expect(of("postgres://u@h/db", "postgres")).toEqual({ ok: true, ssl: false });
    expect(of("postgres://u@h/db?sslmode=disable", "postgres")).toEqual({ ok: true, ssl: false });
  });

  it("refuses a PostgreSQL certificate check it would not make; MySQL sessions make it", () => {
    expect(of("postgres://u@h/db?sslmode=verify-ca", "postgres")).toMatchObject({ ok: false });
    expect(of("mysql://u@h/db?sslmode=verify-full", "mysql")).toEqual({ ok: true, ssl: true });
    expect(targetOfUrl("postgres://reader:hunter2@db/app?sslmode=verify-full")).toEqual({
      ok: false,
      message:
        "--from asks for sslmode=verify-full, but Spark does not check a PostgreSQL server's certificate; use sslmode=require (encrypted, the certificate not checked) over a network you trust.",
    });
  });

  it("hands the drivers an IPv6 host without its URL brackets, and the default port of its kind", () => {
    expect(targetOfConnectionUrl("postgres://u:pw@[::1]/db", "SPARK_CONNECTION_X")).toMatchObject({
      ok: true,
      target: { host: "::1", port: 5432, database: "db" },
    });
    expect(targetOfConnectionUrl("mariadb://u@db.internal/sales", "SPARK_CONNECTION_X")).toMatchObject({
      ok: true,
      target: { kind: "mysql", port: 3306 },
    });
  });
});
