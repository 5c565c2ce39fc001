import type { Db } from "@/db/client";
import { findConnectionById, SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import type { Connection } from "@/db/schema";
import type { ConnectionTarget, EnvConnection } from "./types";
import { mysqlConnection } from "./mysql";
import { postgresConnection } from "./postgres";
import type { SamplePool } from "./sample";
import { open as openSealed, seal as sealSecret } from "./secret-box";
import { ConnectionError, defaultReadLimits, type ReadLimits, type SourceConnection } from "./types";

export {
  ConnectionError,
  isConnectionError,
  type ReadBatch,
  type ReadLimits,
  type SourceConnection,
  type TextPosition,
} from "./types";

export type { ConnectionTarget };

/** Where SQL sources read from: stored connections, those of the environment, and the sample database. */
export type Connections = {
  limits: ReadLimits;
  /** The connection a SQL source names, ready to read; a ConnectionError says why not. */
  open(id: string): Promise<SourceConnection>;
  /** A connection that is not saved yet, for "Test connection". */
  forTarget(name: string, target: ConnectionTarget): SourceConnection;
  /** The embedded sample database (code sources such as the demo's read it). */
  sample(): SourceConnection;
  /** Seals and opens stored passwords with SPARK_SECRET_KEY; null when it is unset. */
  secrets: SecretBox | null;
  close(): Promise<void>;
};

export type SecretBox = { seal(plain: string): string; open(sealed: string): string };

export type ConnectionsInput = {
  db: Db;
  /** Opens stored passwords; null when SPARK_SECRET_KEY is unset. */
  secretKey: string | null;
  env: EnvConnection[];
  sample: () => Promise<SamplePool>;
  limits?: ReadLimits;
};

export function createConnections({
  db,
  secretKey,
  env,
  sample,
  limits = defaultReadLimits,
}: ConnectionsInput): Connections {
  let pool: Promise<SamplePool> | null = null;
  const samplePool = () => (pool ??= sample());
  // The pool starts its workers on first use; a connection object is needed before that.
  const lazySample = (name: string): SourceConnection => {
    const pooled = async () => (await samplePool()).connection(name, limits);
    return {
      kind: "sample",
      name,
      head: async (query, limit) => (await pooled()).head(query, limit),
      query: async (text, params) => (await pooled()).query(text, params),
      async *stream(query, batchSize) {
        yield* (await pooled()).stream(query, batchSize);
      },
      checkPrivileges: async () => [],
    };
  };

  function passwordOf(row: Connection): string {
    if (row.origin === "env") {
      const declared = env.find((c) => c.name.toLowerCase() === row.name.toLowerCase());
      if (!declared)
        throw new ConnectionError(
          `The connection ${row.name} is no longer declared in the environment (SPARK_CONNECTION_${row.name.toUpperCase().replace(/-/g, "_")}).`,
        );
      return declared.password;
    }
    if (!row.passwordSealed) return "";
    if (!secretKey)
      throw new ConnectionError(
        `The password of ${row.name} is sealed; set SPARK_SECRET_KEY to the key it was saved with.`,
      );
    return openSealed(row.passwordSealed, secretKey);
  }

  const forTarget = (name: string, target: ConnectionTarget): SourceConnection =>
    target.kind === "postgres" ? postgresConnection(name, target, limits) : mysqlConnection(name, target, limits);

  return {
    limits,
    forTarget,
    secrets: secretKey
      ? { seal: (plain) => sealSecret(plain, secretKey), open: (sealed) => openSealed(sealed, secretKey) }
      : null,
    sample: () => lazySample("sample"),
    async open(id) {
      const row = await findConnectionById(db, { id });
      if (!row) throw new ConnectionError("Its connection was deleted; choose another one for this source.");
      if (row.kind === "sample" || row.id === SAMPLE_CONNECTION_ID) return lazySample(row.name);
      const password = passwordOf(row);
      return forTarget(row.name, {
        kind: row.kind,
        host: row.host,
        port: row.port ?? (row.kind === "postgres" ? 5432 : 3306),
        database: row.database,
        username: row.username,
        password,
        ssl: row.ssl,
      });
    },
    async close() {
      if (pool) await (await pool).close();
    },
  };
}
