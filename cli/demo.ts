import { seedDemo } from "@/demo/seed";
import { loadConfig } from "@/runtime/config";
import { openMigratedDatabase } from "@/runtime/compose";
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
