import { seedDemo } from "@/spark/demo";
import { loadConfig } from "@/spark/config";
import { openMigratedDatabase } from "@/spark/start";
import { runCli } from "./run";

runCli(async () => {
  const database = await openMigratedDatabase(loadConfig());
  try {
    const seeded = await seedDemo({ db: database.db, clock: () => new Date() });
    const rows = seeded.challenges > 0 ? `${seeded.challenges} challenges, ${seeded.participants} participants and ${seeded.donations} donations` : "no rows (the demo tables already have data)";
    const made = seeded.generators.length > 0 ? `generators ${seeded.generators.join(", ")}` : "no generators (they already exist)";
    process.stdout.write(`Demo data in ${database.driver} at ${database.location}: added ${rows}, and ${made}.\n`);
  } finally {
    await database.close();
  }
});
