import { z } from "zod";

const created = z.object({ id: z.uuid(), name: z.string(), secret: z.string() });
export type CreatedWebhook = z.infer<typeof created>;

/**
 * A new webhook's id, name and signing secret, carried in the create action's ok message: the one
 * answer that will ever hold the secret, so a reload or another page cannot show it again.
 */
export const encodeCreatedWebhook = (value: CreatedWebhook) => JSON.stringify(value);

export function decodeCreatedWebhook(message: string | undefined): CreatedWebhook | null {
  if (!message) return null;
  try {
    const parsed = created.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
