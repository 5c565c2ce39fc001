import type { Database } from "@/db/client";
import { createCaptureMailer } from "@/emails/transports/capture";
import { createDeps } from "@/runtime/compose";
import { defaultSettings, type Deps, type Settings } from "@/spark/deps";
import type { MailSettings } from "@/spark/mail/settings";
import { silentLogger } from "@/spark/logger";
import { testConnections } from "./connections";

export type TestDepsInput = Partial<Omit<Deps, "db" | "settings">> & {
  settings?: Partial<Omit<Settings, "mail">> & { mail?: Partial<MailSettings> };
};

/**
 * A test's `Deps`, composed by the same root as the server's: the test database, a silent logger, no
 * registered sources or handlers, a mailer that keeps nothing, the sample database on first use, and
 * the default settings — each replaceable.
 */
export function testDeps(database: Database, { settings = {}, ...given }: TestDepsInput = {}): Deps {
  return createDeps({
    db: database.db,
    mailer: given.mailer ?? createCaptureMailer({ store: async () => {} }),
    log: given.log ?? silentLogger,
    connections: given.connections ?? testConnections(database),
    sources: given.sources ?? [],
    handlers: given.handlers ?? [],
    subscribers: given.subscribers ?? [],
    renderer: given.renderer,
    clock: given.clock,
    metrics: given.metrics,
    settings: { ...defaultSettings, ...settings, mail: { ...defaultSettings.mail, ...settings.mail } },
  });
}
