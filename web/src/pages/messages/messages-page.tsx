/**
 * Messages: the e-mail templates (list and editor with a live preview and test sends) and
 * the deliveries. Each part has its own address: /messages/templates,
 * /messages/templates/<name>, /messages/deliveries; /messages opens the templates.
 */
import { Link } from 'wouter-preact';
import { Deliveries } from './deliveries';
import { TemplateEditor } from './template-editor';
import { TemplatesList } from './templates-list';
import '../dashboards.css';
import './messages.css';

export type MessagesTab = 'templates' | 'deliveries';

const TABS: { tab: MessagesTab; href: string; label: string }[] = [
  { tab: 'templates', href: '/messages/templates', label: 'Templates' },
  { tab: 'deliveries', href: '/messages/deliveries', label: 'Deliveries' },
];

export function MessagesPage({ tab, template }: { tab: MessagesTab; template?: string }) {
  return (
    <section class="dash-page messages-page" aria-labelledby="messages-title">
      <header class="dash-header">
        <div>
          <h1 id="messages-title">Messages</h1>
          <p class="dash-subtitle">E-mail templates, their preview and test sends, and what was delivered</p>
        </div>
      </header>
      <nav class="privacy-tabs" aria-label="Messages">
        {TABS.map((entry) => (
          <Link
            key={entry.tab}
            href={entry.href}
            class="privacy-tab"
            aria-current={entry.tab === tab ? (template === undefined ? 'page' : 'true') : undefined}
          >
            {entry.label}
          </Link>
        ))}
      </nav>
      {tab === 'templates' && (template === undefined ? <TemplatesList /> : <TemplateEditor key={template} name={template} />)}
      {tab === 'deliveries' && <Deliveries />}
    </section>
  );
}
