import Link from "next/link";
import { buttonClass } from "./button";

/** Newer / older links for keyset pages; `href` builds the link from a cursor parameter. */
export function Pager({
  newer,
  older,
  href,
  label,
}: {
  newer: number | string | null;
  older: number | string | null;
  href: (cursor: Record<string, string>) => string;
  label: string;
}) {
  if (newer === null && older === null) return null;
  return (
    <nav aria-label={label} className="mt-4 flex items-center justify-between gap-2">
      {newer !== null ? (
        <Link href={href({ after: String(newer) })} className={buttonClass("secondary")}>
          ← Newer
        </Link>
      ) : (
        <span />
      )}
      <div className="flex gap-2">
        {newer !== null ? (
          <Link href={href({})} className={buttonClass("ghost")}>
            Newest
          </Link>
        ) : null}
        {older !== null ? (
          <Link href={href({ before: String(older) })} className={buttonClass("secondary")}>
            Older →
          </Link>
        ) : null}
      </div>
    </nav>
  );
}
