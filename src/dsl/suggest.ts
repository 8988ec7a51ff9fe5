/** "Did you mean …?": the closest known name or keyword by edit distance, when it is close enough. */
import type { TokenType } from 'chevrotain';
import { keywordSpellings } from './tokens.js';

/** A keyword, and one way of writing it (`day` or `days`). */
export interface KeywordSpelling {
  keyword: TokenType;
  spelling: string;
}

/**
 * Edit distance (insertions, deletions, substitutions, and two neighbouring letters swapped,
 * the commonest slip of the keyboard: `jounrey` is one edit from `journey`, not two), three
 * rows of memory. With a `bound`, it gives up as soon as the distance must exceed it and
 * returns `bound + 1`: a file full of misspelt names compares each with every declared
 * name, and most are far off.
 */
export function editDistance(a: string, b: string, bound = Infinity): number {
  let beforePrevious: number[] = [];
  let previous: number[] = [];
  let current: number[] = [];
  for (let j = 0; j <= b.length; j++) previous.push(j);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMinimum = i;
    const letter = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (letter === b.charCodeAt(j - 1) ? 0 : 1);
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
      const swapped = i > 1 && j > 1 && letter === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1);
      if (swapped) distance = Math.min(distance, beforePrevious[j - 2]! + 1);
      current[j] = distance;
      if (distance < rowMinimum) rowMinimum = distance;
    }
    // Past the bound, a row stays past it: a swap reaches back two rows, but only adds
    // one to a row whose minimum was already at least the bound.
    if (rowMinimum > bound) return bound + 1;
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
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

/**
 * The nearest spellings of the keywords, if the word is one slip from them: one wrong,
 * missing, extra or swapped letter, two for words longer than four letters. Stricter than
 * the "did you mean" of declared names: here any name may be a marketer's own word, and a
 * keyword suggested for it must look like a typo, not like another word.
 */
export function closestKeywords(word: string, keywords: Iterable<TokenType>): KeywordSpelling[] {
  const lower = word.toLowerCase();
  const limit = lower.length <= 4 ? 1 : 2;
  let nearest: KeywordSpelling[] = [];
  let nearestDistance = limit;
  for (const keyword of keywords) {
    for (const spelling of keywordSpellings(keyword)) {
      const distance = editDistance(lower, spelling, nearestDistance);
      if (distance > nearestDistance || distance >= spelling.length) continue;
      if (distance < nearestDistance || nearest.length === 0) nearest = [];
      nearestDistance = distance;
      nearest.push({ keyword, spelling });
    }
  }
  return nearest.sort((a, b) => b.spelling.length - a.spelling.length);
}
