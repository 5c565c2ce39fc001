import type { Db } from "@/db/client";
import { listConnections } from "@/db/queries/connections";

export type ImportSourceOption = {
  id: string;
  name: string;
  kind: "postgres" | "mysql";
  database: string;
  host: string;
};

/** Settings → Import: the data connections django-spark's tables could be read through (never the sample). */
export async function loadImportSources(db: Db): Promise<ImportSourceOption[]> {
  return (await listConnections(db)).flatMap((c) =>
    c.kind === "postgres" || c.kind === "mysql"
      ? [{ id: c.id, name: c.name, kind: c.kind, database: c.database, host: c.host }]
      : [],
  );
}
