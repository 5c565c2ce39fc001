/** "Too many failed sign-ins. Try again in 12 minutes." — rounded up, so waiting that long always works. */
export function describeRetry(seconds: number): string {
  const wait =
    seconds < 60
      ? `${seconds} second${seconds === 1 ? "" : "s"}`
      : `${Math.ceil(seconds / 60)} minute${Math.ceil(seconds / 60) === 1 ? "" : "s"}`;
  return `Too many failed sign-ins. Try again in ${wait}.`;
}
