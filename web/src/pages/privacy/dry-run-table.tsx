/** What a retention run would remove, rule by rule, as a dry run counted it (nothing removed). */
import { count, when } from '../../charts/states';
import type { RetentionDryRun, RetentionRule } from './types';

export const describeRule = (rule: RetentionRule) =>
  `${rule.event ? `“${rule.event}” events` : rule.type ? `${rule.type} events` : 'all events'}${rule.event && rule.type ? ` (${rule.type})` : ''} older than ${rule.olderThanDays} days`;

export function DryRunTable({ run, title, label }: { run: RetentionDryRun; title: string; label: string }) {
  const id = `dry-run-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div class="retention-dry-run" role="region" aria-labelledby={id}>
      <header class="dash-card-header">
        <h3 id={id}>{title}</h3>
        <span class="dash-muted">counted {when(run.at)}; nothing was removed</span>
      </header>
      {run.events.length === 0 && !run.inactivePeople && <p class="dash-empty">No rule: a run would remove nothing.</p>}
      {(run.events.length > 0 || run.inactivePeople) && (
        <div class="consent-scroll">
          <table class="dash-table" aria-label={label}>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Before</th>
                <th scope="col" class="dash-num">
                  Would remove
                </th>
              </tr>
            </thead>
            <tbody>
              {run.events.map((entry, i) => (
                <tr key={i}>
                  <th scope="row">{describeRule(entry.rule)}</th>
                  <td>{when(entry.cutoff)}</td>
                  <td class="dash-num">{count(entry.count)} events</td>
                </tr>
              ))}
              {run.inactivePeople && (
                <tr>
                  <th scope="row">People not seen for {run.inactivePeople.days} days</th>
                  <td>{when(run.inactivePeople.cutoff)}</td>
                  <td class="dash-num">
                    {count(run.inactivePeople.count)} people
                    {run.inactivePeople.capped ? ' (the most one run erases; more the next day)' : ''}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
