type PolicyInput = {
  nonce: string;
  https: boolean;
  /** Only for `next dev`, whose React build evaluates code for its debugging aids; never in production. */
  allowEval?: boolean;
};

/**
 * The Content-Security-Policy of every page and API answer. Scripts run only with this response's
 * nonce (Next puts it on its own inline and chunk scripts; 'strict-dynamic' lets those load the rest),
 * so injected markup cannot run script even if it gets past escaping.
 *
 * Styles allow 'unsafe-inline', and cannot take a nonce instead (a nonce would switch it off):
 * server-rendered React writes `style="…"` attributes (chart bars, progress bars), which no nonce can
 * cover; CodeMirror adds its theme as <style> elements at run time; and the mail preview is a srcdoc
 * frame, which inherits this policy, while mail HTML is styled inline. Inline CSS cannot run script.
 * Images and fonts allow data: for the same frame, whose own policy admits only data: images and fonts.
 */
export function contentSecurityPolicy({ nonce, https, allowEval = false }: PolicyInput): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${allowEval ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** Headers for every answer that passes the request proxy: pages, their actions and the API. */
export function securityHeaders(input: PolicyInput): Record<string, string> {
  const { https } = input;
  return {
    "Content-Security-Policy": contentSecurityPolicy(input),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    // Pages show operator data and the API answers with it: neither belongs in any cache.
    "Cache-Control": "no-store",
    ...(https ? { "Strict-Transport-Security": "max-age=31536000; includeSubDomains" } : {}),
  };
}

/** A nonce for one response: 128 random bits, base64 as CSP expects. */
export function createNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
