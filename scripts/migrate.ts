/**
 * Applies the committed migrations to the configured database (DATABASE_URL,
 * or PGlite under DATA_DIR). Production runs this at deploy time; development
 * also migrates on first use.
 */
import { openDatabase, settingsFromConfig } from "@/db/client";
import { config } from "@/lib/config";

const c = config();
const started = Date.now();
const handle = await openDatabase(settingsFromConfig(c), { migrate: true });
await handle.close();
console.log(`Migrations applied to ${c.databaseDriver} in ${Date.now() - started} ms.`);
