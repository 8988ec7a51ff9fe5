/**
 * A test send: the draft as it is on screen, rendered with the data chosen, mailed to an
 * address the user types, subject prefixed "[Test]". Not a message to anyone: nothing is
 * recorded for a person; the server allows 10 a minute per user and audits each.
 */
import { useState } from 'preact/hooks';
import { api, ApiError, describeError } from '../../api';
import type { RenderData, TemplateParts, TestSent } from './types';

export function TestSend({ draft, data }: { draft: TemplateParts; data: RenderData | undefined }) {
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string }>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setResult(undefined);
    try {
      const sent = await api<TestSent>('POST', '/v1/templates/test-send', { json: { ...draft, ...data, to: to.trim() } });
      setResult({ ok: true, message: `Sent to ${sent.to}: “${sent.subject}” (the mail server answered ${sent.smtp}).` });
    } catch (error) {
      const wait = error instanceof ApiError && error.status === 429 && error.retryAfter ? ` Try again in ${error.retryAfter} s.` : '';
      setResult({ ok: false, message: `Not sent: ${describeError(error)}.${wait}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="dash-card messages-test" onSubmit={submit} aria-labelledby="test-title">
      <h2 id="test-title">Test send</h2>
      <div class="dash-search">
        <label>
          Send a test to
          <input type="email" required value={to} placeholder="you@your-company.example" onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="submit" class="dash-button-primary" disabled={busy || !data}>
          {busy ? 'Sending…' : 'Send test'}
        </button>
      </div>
      {result && (
        <p class={result.ok ? 'messages-sent' : 'dash-error'} role={result.ok ? 'status' : 'alert'}>
          {result.message}
        </p>
      )}
      <p class="dash-muted">
        The subject starts with “[Test]”. It is sent as shown, through the same mail server as real messages, recorded for no one, and noted
        in the audit log (the address's domain only). At most 10 a minute.
      </p>
    </form>
  );
}
