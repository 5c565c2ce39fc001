/** Derived from the delivery id alone, so every attempt of a delivery carries the same Message-ID and a receiver can drop a repeat. */
export function messageIdOf(deliveryId: number, domain: string): string {
  return `<spark.delivery.${deliveryId}@${domain}>`;
}

/** The domain part of an address like "Spark <spark@example.com>", for Message-IDs. */
export function domainOf(address: string): string | null {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address.trim());
  return match ? match[1]!.toLowerCase() : null;
}
