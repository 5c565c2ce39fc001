import { seedDemo } from "@/spark/demo";
import { loadConfig } from "@/spark/config";
import { openMigratedDatabase } from "@/spark/start";
import { runCli } from "./run";

runCli(async () => {
  const database = await openMigratedDatabase(loadConfig());
  try {
    const seeded = await seedDemo({ db: database.db, clock: () => new Date() });
    const made =
      seeded.generators.length > 0
        ? `generators ${seeded.generators.join(", ")}`
        : "no generators (they already exist)";
    process.stdout.write(
      `Demo data in ${database.driver} at ${database.location}: added ${made}; the demo's data is in the sample connection.\n`,
    );
  } finally {
    await database.close();
  }
});
