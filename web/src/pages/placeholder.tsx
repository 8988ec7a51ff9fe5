/** A page that is not there: an unknown path, or a part still to come. */
import { Link } from 'wouter-preact';

export function Placeholder({ title, message }: { title: string; message?: string }) {
  return (
    <section class="page">
      <header class="page-header">
        <h1>{title}</h1>
      </header>
      <div class="empty">
        <p>{message ?? 'Nothing here yet.'}</p>
        <p>
          <Link href="/segments">Go to the segments</Link>
        </p>
      </div>
    </section>
  );
}
