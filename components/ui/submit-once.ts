"use client";

import { useEffect, useRef, type FormEvent } from "react";

/**
 * An `onSubmit` that lets one submission through until the action it started has answered. A double
 * click submits twice before React renders the button disabled; the second submit is dropped here
 * (the server still refuses repeats: this only spares the round trip and a confusing second notice).
 */
export function useSubmitOnce(pending: boolean): (event: FormEvent<HTMLFormElement>) => void {
  const inFlight = useRef(false);
  useEffect(() => {
    if (!pending) inFlight.current = false;
  }, [pending]);
  return (event) => {
    if (inFlight.current) event.preventDefault();
    else inFlight.current = true;
  };
}
