/** "Did you mean …?": the closest known name by edit distance, when it is close enough. */

/**
 * Levenshtein distance (insertions, deletions, substitutions), two rows of memory. With a
 * `bound`, it gives up as soon as the distance must exceed it and returns `bound + 1`: a
 * file full of misspelt names compares each with every declared name, and most are far off.
 */
export function editDistance(a: string, b: string, bound = Infinity): number {
  let previous: number[] = [];
  let current: number[] = [];
  for (let j = 0; j <= b.length; j++) previous.push(j);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMinimum = i;
    const letter = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (letter === b.charCodeAt(j - 1) ? 0 : 1);
      const distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
      current[j] = distance;
      if (distance < rowMinimum) rowMinimum = distance;
    }
    // Distances never decrease from one row to the next: past the bound, it stays past.
    if (rowMinimum > bound) return bound + 1;
    [previous, current] = [current, previous];
  }
  return Math.min(previous[b.length]!, bound + 1);
}

/**
 * The candidate nearest to `name`, if a plausible typo of it: at most a third of the
 * name's letters wrong (at least 2 allowed), and never a suggestion as long as a rewrite.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const lowerName = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - name.length) > limit) continue;
    // Only a distance below the best so far and within the limit can change the answer.
    const distance = editDistance(lowerName, candidate.toLowerCase(), Math.min(limit, bestDistance - 1));
    if (distance < bestDistance && distance <= limit && distance < Math.max(name.length, candidate.length)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
