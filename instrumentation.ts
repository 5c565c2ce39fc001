export async function register() {
  // Only the Node.js server owns the database; `next build` and other runtimes never open it.
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { stampPeerAddress } = await import("./app/_server/http/peer-stamp");
  stampPeerAddress();
  const { bootOrExit } = await import("./app/_server/boot");
  await bootOrExit();
}
