/**
 * Rendered mail HTML in an iframe that runs no script (an empty sandbox) and, through its own CSP,
 * loads nothing from the network: a tracking pixel or a remote stylesheet stays unloaded.
 */
export function HtmlFrame({ html, title, className = "h-96" }: { html: string; title: string; className?: string }) {
  const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:">`;
  return (
    <iframe
      title={title}
      sandbox=""
      srcDoc={`${csp}${html}`}
      referrerPolicy="no-referrer"
      className={`w-full rounded-md bg-white ring-1 ring-zinc-200 ${className}`}
    />
  );
}
