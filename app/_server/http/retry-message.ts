/** What a throttled operator can do besides waiting: an admin lifts it in the app or from the shell. */
export const LIFT_THROTTLE_HINT =
  "An admin can lift it now under Settings → Operators → Sign-in throttling, or on the server with npm run user -- unlock <email>.";

/**
 * "Too many failed sign-ins. Try again in 12 minutes. An admin can lift it now…" — rounded up, so
 * waiting that long always works, and naming both ways to lift it, since the one locked out is often
 * the admin's colleague who cannot wait.
 */
export function describeRetry(seconds: number): string {
  const wait =
    seconds < 60
      ? `${seconds} second${seconds === 1 ? "" : "s"}`
      : `${Math.ceil(seconds / 60)} minute${Math.ceil(seconds / 60) === 1 ? "" : "s"}`;
  return `Too many failed sign-ins. Try again in ${wait}. ${LIFT_THROTTLE_HINT}`;
}
