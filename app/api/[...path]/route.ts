import { jsonError, withSession } from "@/app/_server/api";

export const dynamic = "force-dynamic";

// Unknown API paths answer in JSON too, and only tell a signed-in operator that nothing is there; under
// the machine routes' prefixes, where callers hold keys rather than sessions, they say so to anyone.
const MACHINE_PREFIX = /^\/api\/(events|streams|destinations|internal|inbound)(\/|$)/;
const nothingThere = (request: Request) => jsonError(404, `No API route at ${new URL(request.url).pathname}.`);
const forOperators = withSession(async (request) => nothingThere(request));
const notFound = async (request: Request, context: unknown) =>
  MACHINE_PREFIX.test(new URL(request.url).pathname) ? nothingThere(request) : forOperators(request, context);

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
