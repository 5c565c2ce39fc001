import { loadConfig } from "@/runtime/config";
import { openMigratedDatabase } from "@/runtime/compose";
import { runCli } from "./run";

runCli(async () => {
  const database = await openMigratedDatabase(loadConfig());
  await database.close();
  process.stdout.write(`Migrations applied: ${database.driver} at ${database.location}\n`);
});
