import "server-only";

/** The URL as typed, its password taken out: a refused form refills without ever echoing a secret. */
export function withoutPassword(url: string, kind: string): string {
  try {
    const parsed = new URL(url);
    // NATS takes a token where other URLs put the user name (nats://TOKEN@host): a secret all the same.
    const token = kind === "nats" && parsed.username !== "" && parsed.password === "";
    if (!parsed.password && !token) return url;
    parsed.password = "";
    if (token) parsed.username = "";
    return parsed.toString();
  } catch {
    // Not a URL: whatever sits between "//user:" and "@" is taken for a password all the same.
    return url.replace(/^([a-z][\w+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/i, "$1@");
  }
}

/** The password field goes into the URL's user info, where the engine takes it apart and seals it. */
export function urlWithPassword(
  url: string,
  password: string,
): { ok: true; url: string } | { ok: false; message: string } {
  if (password === "") return { ok: true, url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, message: "Enter the broker's URL, like amqp://spark@rabbit.example.com:5672/." };
  }
  if (!parsed.username)
    return { ok: false, message: "Name the user in the URL (amqp://user@host/) for the password to go with." };
  parsed.password = password;
  return { ok: true, url: parsed.toString() };
}
