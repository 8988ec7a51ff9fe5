/**
 * PLACEHOLDER: the Deliveries tab of the Messages page is written by another branch (its
 * own page and API); this stands in until it is merged. It takes no props.
 */
export function Deliveries() {
  return <p class="dash-empty">Deliveries are not available yet.</p>;
}
