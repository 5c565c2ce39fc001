"use client";

import { useState } from "react";
import { Button } from "./button";

/** Copies a secret shown once; where the clipboard is unavailable it asks to select and copy instead. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  return (
    <Button
      type="button"
      variant="secondary"
      aria-label={label}
      onClick={() => {
        // The clipboard needs a secure context (https or localhost); elsewhere the text stays selectable.
        if (!navigator.clipboard) return setCopied("no");
        navigator.clipboard.writeText(text).then(
          () => setCopied("yes"),
          () => setCopied("no"),
        );
      }}
    >
      {copied === "yes" ? "Copied" : copied === "no" ? "Select and copy" : "Copy"}
    </Button>
  );
}
