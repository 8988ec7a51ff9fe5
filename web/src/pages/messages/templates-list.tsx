/**
 * The templates: each with its subject, last change and who sends it (journeys,
 * broadcasts, consent confirmations of the active rules); the names the rules send that
 * have no template, offered for creation (their sends fail until then); a new template.
 */
import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { get } from '../../api';
import { Empty, Failed, Loading, when } from '../../charts/states';
import { canEditRules, useSession } from '../../session';
import type { TemplateList } from './types';
import { UsedBy } from './used-by';

/** As the server takes them (MESSAGE_NAME in src/server/routes/templates.ts). */
export const TEMPLATE_NAME = /^[^\s/][^/]{0,99}$/;

export const templateHref = (name: string) => `/messages/templates/${encodeURIComponent(name)}`;

export function TemplatesList() {
  const { user } = useSession();
  const mayEdit = canEditRules(user.role);
  const [list, setList] = useState<TemplateList>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    get<TemplateList>('/v1/templates').then(setList, setError);
  }, []);

  return (
    <>
      {mayEdit && <NewTemplate taken={list?.templates.map((t) => t.name) ?? []} />}
      {!list && error && <Failed error={error} what="templates" />}
      {!list && !error && <Loading what="templates" />}
      {list && list.missing.length > 0 && (
        <div class="dash-error messages-missing" role="status">
          <strong>Sent by the rules, but no template:</strong> their sends fail until it exists.{' '}
          <ul class="dash-chips" aria-label="Missing templates">
            {list.missing.map((name) => (
              <li key={name}>{mayEdit ? <Link href={templateHref(name)}>Create “{name}”</Link> : <code>{name}</code>}</li>
            ))}
          </ul>
        </div>
      )}
      {list && list.templates.length === 0 && (
        <Empty>No templates yet.{mayEdit ? ' Create one above; a journey sends it with send email "<name>".' : ''}</Empty>
      )}
      {list && list.templates.length > 0 && (
        <div class="dash-card dash-card-flush messages-scroll">
          <table class="dash-table" aria-label="Templates">
            <thead>
              <tr>
                <th scope="col">Template</th>
                <th scope="col">Subject</th>
                <th scope="col">Used by</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {list.templates.map((template) => (
                <tr key={template.name}>
                  <th scope="row">
                    <Link href={templateHref(template.name)} class="dash-row-link">
                      {template.name}
                    </Link>
                  </th>
                  <td class="messages-subject">{template.subject}</td>
                  <td>
                    <UsedBy usedBy={template.usedBy} />
                  </td>
                  <td class="messages-when">{when(template.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function NewTemplate({ taken }: { taken: string[] }) {
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string>();
  const submit = (event: Event) => {
    event.preventDefault();
    const wanted = name.trim();
    if (!TEMPLATE_NAME.test(wanted)) return setProblem('1 to 100 characters, no slash.');
    if (taken.includes(wanted)) return setProblem('A template has that name: open it from the list.');
    navigate(templateHref(wanted));
  };
  return (
    <form class="dash-search messages-new" onSubmit={submit} aria-label="New template">
      <label>
        New template
        <input value={name} placeholder='name, as send email "…" names it' onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit" class="dash-button-primary">
        Create
      </button>
      {problem && (
        <span class="dash-error-inline" role="alert">
          {problem}
        </span>
      )}
    </form>
  );
}
