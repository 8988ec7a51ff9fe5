/**
 * Privacy, for the admin and privacy roles: requests (erasures and exports, each with its
 * steps, destinations and receipt), the suppression list, the retention policy with a dry
 * run, and the audit log. Each part has its own address under /privacy.
 */
import { Link, useLocation } from 'wouter-preact';
import { AuditTab } from './audit';
import { RequestDetail } from './request-detail';
import { RequestsTab } from './requests';
import { RetentionTab } from './retention';
import { SuppressionsTab } from './suppressions';
import '../dashboards.css';

export type PrivacyTab = 'requests' | 'suppressions' | 'retention' | 'audit';

const TABS: { tab: PrivacyTab; href: string; label: string }[] = [
  { tab: 'requests', href: '/privacy', label: 'Requests' },
  { tab: 'suppressions', href: '/privacy/suppressions', label: 'Suppressions' },
  { tab: 'retention', href: '/privacy/retention', label: 'Retention' },
  { tab: 'audit', href: '/privacy/audit', label: 'Audit log' },
];

export function PrivacyPage({ tab, requestId }: { tab: PrivacyTab; requestId?: string }) {
  const [location] = useLocation();
  return (
    <section class="dash-page" aria-labelledby="privacy-title">
      <header class="dash-header">
        <div>
          <h1 id="privacy-title">Privacy</h1>
          <p class="dash-subtitle">Erasures, exports, suppressions, retention and who did what</p>
        </div>
      </header>
      <nav class="privacy-tabs" aria-label="Privacy">
        {TABS.map((entry) => (
          <Link
            key={entry.tab}
            href={entry.href}
            class="privacy-tab"
            aria-current={entry.tab === tab ? (location === entry.href ? 'page' : 'true') : undefined}
          >
            {entry.label}
          </Link>
        ))}
      </nav>
      {tab === 'requests' && (requestId ? <RequestDetail id={requestId} /> : <RequestsTab />)}
      {tab === 'suppressions' && <SuppressionsTab />}
      {tab === 'retention' && <RetentionTab />}
      {tab === 'audit' && <AuditTab />}
    </section>
  );
}
