export type Bucket = "hour" | "day";
export type BucketCount = { at: Date; count: number };

const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** The start of the UTC hour or day that holds `date`. */
export function bucketStart(date: Date, bucket: Bucket): Date {
  return new Date(Math.floor(date.getTime() / BUCKET_MS[bucket]) * BUCKET_MS[bucket]);
}

/**
 * `n` consecutive buckets ending with the one that holds `now`, each with its count (0 where the
 * database had no row), so a chart shows quiet hours as quiet instead of skipping them.
 */
export function fillBuckets(
  rows: { at: Date; count: number }[],
  { now, bucket, n }: { now: Date; bucket: Bucket; n: number },
): BucketCount[] {
  const counts = new Map(rows.map((r) => [r.at.getTime(), r.count]));
  const last = bucketStart(now, bucket).getTime();
  return Array.from({ length: n }, (_, i) => {
    const at = last - (n - 1 - i) * BUCKET_MS[bucket];
    return { at: new Date(at), count: counts.get(at) ?? 0 };
  });
}
