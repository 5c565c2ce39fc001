/**
 * An event's key: its group and the candidate's id. The one place the formula lives, because a key is
 * handled once, ever — two spellings of it would let one candidate fire twice.
 */
export function eventKeyOf(group: string, candidateId: string | number): string {
  return `${group}:${candidateId}`;
}
