const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A body fragment inside a minimal, mail-client-safe document; a template that already is a whole
 * document (it has <html>) is left as it is.
 */
export function wrapInLayout(body: string, subject: string): string {
  if (/<html[\s>]/i.test(body)) return body;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:24px;background:#ffffff;color:#18181b;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5">
${body}
</body>
</html>`;
}
