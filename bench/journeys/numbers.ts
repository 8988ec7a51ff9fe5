/** Rounding and percentiles shared by the journeys bench's figures and its profile. */
export const round = (value: number, digits = 1) => Number(value.toFixed(digits));
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
