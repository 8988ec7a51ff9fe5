/**
 * The generated rule program the benchmarks compile: about 10,000 lines of consents,
 * segments and journeys using every construct of the language. Shared by dsl-bench.ts
 * (the compiler in-process) and cli-bench.ts (`itinera check` as a whole process); it
 * imports nothing, so a bench that only writes the program to a file loads no compiler.
 */

function consent(i: number): string {
  return `consent purpose_${i} "Purpose ${i}" {\n  expires after ${30 + i} days\n  remind 7 days before expiry\n}\n`;
}

function segment(i: number, consents: number): string {
  const other = i > 0 ? `\n  or in segment seg_${i - 1} and not tagged "excluded_${i}"` : '';
  return [
    `segment seg_${i} "Segment ${i}" {`,
    `  trait country in ["PL", "DE", "FR"] and trait age >= ${18 + (i % 40)} and trait email exists`,
    `  and (performed "Order Completed" where revenue >= ${i % 500} and currency = "EUR" at least ${1 + (i % 5)} times within ${7 + (i % 80)} days`,
    `    or sum "revenue" of "Order Completed" within 365 days > ${1000 + i})`,
    `  and consent purpose_${i % consents} is granted and last seen within 30 days${other}`,
    `}`,
    '',
  ].join('\n');
}

function journey(i: number, segments: number, consents: number): string {
  return [
    `journey journey_${i} "Journey ${i}" {`,
    i % 2 === 0 ? `  when performed "Event ${i}" where plan = "pro"` : `  when enters segment seg_${i % segments}`,
    `  requires consent purpose_${i % consents}`,
    `  reentry after ${1 + (i % 10)} days`,
    `  exit on "Unsubscribed"`,
    `  quiet hours 21:00-08:00`,
    `  for step in 1..3 {`,
    `    send email "template_${i}_{step}" with { step: step, campaign: "c${i}" }`,
    `    tag "j${i}_{step}"`,
    `    wait 1 day`,
    `  }`,
    `  wait for "Order Completed" where total > 0 up to 4 hours`,
    `    then { tag "converted_${i}" }`,
    `    otherwise {`,
    `      send webhook "crm" with { reason: "no_order", journey: ${i} }`,
    `    }`,
    `  if in segment seg_${(i * 7) % segments} and not tagged "vip" {`,
    `    set trait stage_${i} = "engaged"`,
    `  } else {`,
    `    split {`,
    `      50% { send email "a_${i}" }`,
    `      50% { send email "b_${i}" }`,
    `    }`,
    `  }`,
    `  wait until 10:00`,
    `  untag "j${i}_1"`,
    `}`,
    '',
  ].join('\n');
}

/** A program of about `targetLines` lines: 1 consent per 25 lines, then half segments, half journeys. */
export function generateProgram(targetLines = 10_000): { source: string; segments: number; journeys: number } {
  const consents = Math.max(1, Math.floor(targetLines / 250));
  const segments = Math.floor((targetLines * 0.4) / 7);
  const parts = [];
  for (let i = 0; i < consents; i++) parts.push(consent(i));
  for (let i = 0; i < segments; i++) parts.push(segment(i, consents));
  // Counting lines as parts are added, not by splitting the whole source after each journey.
  let lines = lineCount(parts.join(''));
  let journeys = 0;
  while (lines < targetLines) {
    const part = journey(journeys, segments, consents);
    parts.push(part);
    lines += lineCount(part) - 1;
    journeys++;
  }
  return { source: parts.join(''), segments, journeys };
}

/** Lines of a text, as `text.split('\n').length` counts them. */
function lineCount(text: string): number {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
