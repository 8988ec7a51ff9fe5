/** Who sends a template: journeys (linked to their page), broadcasts and consent confirmations. */
import { Link } from 'wouter-preact';

export function UsedBy({ usedBy }: { usedBy: string[] }) {
  if (usedBy.length === 0) return <span class="dash-muted">not used by the active rules</span>;
  return (
    <ul class="dash-chips messages-used-by" aria-label="Used by">
      {usedBy.map((use) => {
        const [kind, name] = use.startsWith('broadcast ') || use.startsWith('consent ') ? use.split(' ', 2) : ['journey', use];
        return (
          <li key={use}>
            <span class="dash-chip-kind">{kind}</span>{' '}
            {kind === 'journey' ? <Link href={`/journeys/${encodeURIComponent(name!)}`}>{name}</Link> : name}
          </li>
        );
      })}
    </ul>
  );
}
