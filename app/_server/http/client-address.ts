/** The request header the server stamps with the socket's peer address, replacing any a client sent. */
export const PEER_HEADER = "x-spark-peer";

/**
 * The client's address for sign-in throttling. With no trusted proxies it is the socket's peer, and
 * X-Forwarded-For is ignored: anyone can write that header. Behind N proxies that each append the
 * address they saw, the Nth entry from the right is the one the outermost trusted proxy saw; entries
 * further left came from the client and prove nothing.
 */
export function clientAddress({
  peer,
  forwardedFor,
  trustedProxies,
}: {
  peer: string | null;
  forwardedFor: string | null;
  trustedProxies: number;
}): string {
  if (trustedProxies > 0) {
    const hops = (forwardedFor ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const address = hops.at(-trustedProxies);
    if (address) return normalize(address);
  }
  return peer ? normalize(peer) : "unknown";
}

function normalize(address: string): string {
  // One client reached over IPv4 and over IPv4-mapped IPv6 is one client.
  return address
    .toLowerCase()
    .replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1")
    .slice(0, 100);
}
