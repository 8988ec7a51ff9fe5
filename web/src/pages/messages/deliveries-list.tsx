/**
 * The messages, newest first: what was sent (channel, template), from which journey or
 * broadcast, to whom (the person links to their page), its status now; a row opens to its
 * whole status history.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { when } from '../../charts/states';
import { isBounce, type Delivery } from './deliveries-types';

/** The badge a status wears: green sent, red failed or bounced, blue under way, grey the rest. */
function badgeOf(delivery: Delivery): { label: string; tone: string } {
  if (isBounce(delivery)) return { label: 'bounced', tone: 'bounced' };
  switch (delivery.status) {
    case 'sent':
      return { label: 'sent', tone: 'sent' };
    case 'failed':
      return { label: 'failed', tone: 'failed' };
    case 'sending':
    case 'deferred':
    case 'queued':
      return { label: delivery.status, tone: 'pending' };
    default:
      return { label: delivery.status, tone: 'muted' };
  }
}

function origin(delivery: Delivery): string {
  if (delivery.journey) return `${delivery.journey}${delivery.rulesVersion !== undefined ? ` v${delivery.rulesVersion}` : ''}`;
  if (delivery.broadcast) return `broadcast ${delivery.broadcast}`;
  if (delivery.purpose) return `confirmation of ${delivery.purpose}`;
  return '—';
}

export function DeliveriesTable({ deliveries, personal }: { deliveries: Delivery[]; personal: boolean }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) => {
    const next = new Set(open);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setOpen(next);
  };
  return (
    <div class="consent-scroll">
      <table class="dash-table deliveries-table" aria-label="Messages">
        <thead>
          <tr>
            <th scope="col">First recorded</th>
            <th scope="col">Message</th>
            <th scope="col">From</th>
            <th scope="col">Person</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="dash-visually-hidden">History</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => {
            const badge = badgeOf(delivery);
            const expanded = open.has(delivery.key);
            const historyId = `history-${delivery.key.replace(/[^\w-]/g, '_')}`;
            return (
              <Fragment key={delivery.key}>
                <tr class={expanded ? 'deliveries-row-open' : undefined}>
                  <td class="deliveries-when">{when(delivery.queuedAt)}</td>
                  <th scope="row">
                    {delivery.channel === 'email' ? 'E-mail' : 'Webhook'} <code>{delivery.template}</code>
                  </th>
                  <td>{origin(delivery)}</td>
                  <td>
                    <Link href={`/people/${encodeURIComponent(delivery.profileId)}`} class="deliveries-person">
                      {personal && delivery.address ? delivery.address : delivery.profileId}
                    </Link>
                  </td>
                  <td>
                    <span class={`dash-badge deliveries-badge deliveries-badge-${badge.tone}`}>{badge.label}</span>
                    {delivery.unsubscribedAt && <span class="dash-badge deliveries-badge deliveries-badge-unsubscribed">unsubscribed</span>}
                    {delivery.detail && <span class="dash-name">{delivery.detail}</span>}
                  </td>
                  <td>
                    <button
                      type="button"
                      class="dash-button dash-button-quiet"
                      aria-expanded={expanded}
                      aria-controls={historyId}
                      aria-label={`History of the ${delivery.template} message to ${personal && delivery.address ? delivery.address : delivery.profileId}`}
                      onClick={() => toggle(delivery.key)}
                    >
                      {expanded ? 'Hide' : 'History'}
                    </button>
                  </td>
                </tr>
                {expanded && (
                  <tr class="deliveries-history-row">
                    <td colSpan={6} id={historyId}>
                      <ol class="deliveries-history" aria-label={`Status history of ${delivery.key}`}>
                        {delivery.history.map((step, index) => (
                          <li key={index}>
                            <span class="deliveries-step">{step.status}</span> {when(step.at)}
                            {step.detail ? ` · ${step.detail}` : ''}
                            {step.until ? ` · until ${when(step.until)}` : ''}
                          </li>
                        ))}
                        {delivery.unsubscribedAt && (
                          <li>
                            <span class="deliveries-step">unsubscribed</span> {when(delivery.unsubscribedAt)} · through this message's link
                          </li>
                        )}
                      </ol>
                      <p class="dash-muted deliveries-key">
                        Key <code>{delivery.key}</code>
                        {delivery.attempts ? ` · ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}` : ''}
                        {personal && delivery.with && Object.keys(delivery.with).length > 0
                          ? ` · with ${JSON.stringify(delivery.with)}`
                          : ''}
                      </p>
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
