import { jsonError, withSession } from "@/app/_server/api";

export const dynamic = "force-dynamic";

// Unknown API paths answer in JSON too, and only tell a signed-in operator that nothing is there.
const notFound = withSession(async (request) => jsonError(404, `No API route at ${new URL(request.url).pathname}.`));

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
