/** A receipt's verdict as the page shows it, and the box to check any receipt pasted in. */
import { useState } from 'preact/hooks';
import { describeError } from '../../api';
import { readReceipt, verifyReceipt, type Verdict } from './receipt';

export function VerdictLine({ verdict }: { verdict: Verdict }) {
  return verdict.valid ? (
    <p class="privacy-verdict privacy-verdict-valid" role="status">
      ✓ Signature valid{verdict.requestId ? ` — receipt of ${verdict.requestId}` : ''}, signed by this server's receipt key.
    </p>
  ) : (
    <p class="privacy-verdict privacy-verdict-invalid" role="status">
      ✗ Signature invalid: {verdict.why}.
    </p>
  );
}

export function ReceiptCheck() {
  const [text, setText] = useState('');
  const [verdict, setVerdict] = useState<Verdict>();
  const [error, setError] = useState<string>();
  const check = async (event: Event) => {
    event.preventDefault();
    setVerdict(undefined);
    setError(undefined);
    const receipt = readReceipt(text);
    if (typeof receipt === 'string') return setVerdict({ valid: false, why: receipt });
    try {
      setVerdict(await verifyReceipt(receipt));
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <section class="dash-card" aria-labelledby="receipt-check-title">
      <header class="dash-card-header">
        <h2 id="receipt-check-title">Check a receipt</h2>
      </header>
      <form class="privacy-form" onSubmit={(event) => void check(event)}>
        <label>
          Receipt (JSON, as downloaded)
          <textarea rows={4} value={text} onInput={(event) => setText(event.currentTarget.value)} spellcheck={false} />
        </label>
        <button type="submit" class="dash-button" disabled={!text.trim()}>
          Verify receipt
        </button>
      </form>
      {verdict && <VerdictLine verdict={verdict} />}
      {error && (
        <p class="dash-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
