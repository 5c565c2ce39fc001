import { sql } from "drizzle-orm";
import { NextResponse } from "next/server";
import { getEngine } from "@/app/_server/engine";

export const dynamic = "force-dynamic";

/** Public on purpose, for load balancers: it says whether the database answers, and nothing more. */
export async function GET() {
  let driver: string | null = null;
  try {
    const { database } = await getEngine();
    driver = database.driver;
    await database.db.execute(sql`select 1`);
    return NextResponse.json({ ok: true, db: driver });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : "unknown error";
    return NextResponse.json({ ok: false, db: driver, error: `The database does not answer: ${reason}` }, { status: 503 });
  }
}
