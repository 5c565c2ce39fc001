// Where Python's str.splitlines() breaks a line: file and group separators and Unicode's too.
const BREAKS = new Set(["\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]);

function pythonLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (!BREAKS.has(text[i]!)) continue;
    lines.push(text.slice(start, i));
    if (text[i] === "\r" && text[i + 1] === "\n") i++;
    start = i + 1;
  }
  lines.push(text.slice(start));
  return lines;
}

/**
 * spark_mails' split of a rendered mail (django-spark's `Mail.render`): trailing whitespace off each
 * line, the first non-empty line is the subject (its leading spaces kept), the lines after it without
 * the blank lines around them are the body.
 */
export function splitDjangoSparkMail(rendered: string): { subject: string; body: string } {
  const lines = pythonLines(rendered).map((line) => line.trimEnd());
  const first = lines.findIndex((line) => line !== "");
  if (first === -1) return { subject: "", body: "" };
  const rest = lines.slice(first + 1);
  while (rest.length > 0 && rest[0] === "") rest.shift();
  while (rest.length > 0 && rest.at(-1) === "") rest.pop();
  return { subject: lines[first]!, body: rest.join("\n") };
}
