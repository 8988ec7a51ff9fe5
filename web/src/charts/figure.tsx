/**
 * A chart as a figure: the caption names it, and the figures drawn on the canvas are also
 * in a table that only screen readers see (the canvas itself is hidden from them), with
 * the latest rows, newest last.
 */
import type { ComponentChildren } from 'preact';

export interface SummaryTable {
  columns: string[];
  rows: (string | number)[][];
}

export function ChartFigure({
  caption,
  summary,
  table,
  children,
  actions,
}: {
  caption: string;
  /** One sentence with the latest values, read with the figure. */
  summary: string;
  table: SummaryTable;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <figure class="dash-figure" aria-label={caption}>
      <figcaption class="dash-figcaption">
        <span class="dash-figtitle">{caption}</span>
        {actions}
      </figcaption>
      {children}
      <p class="dash-visually-hidden">{summary}</p>
      {/* A table is as wide as its cells whatever its own width: its clipped box is this div. */}
      <div class="dash-visually-hidden">
        <table>
          <caption>{caption}, latest values</caption>
          <thead>
            <tr>
              {table.columns.map((column) => (
                <th scope="col" key={column}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) =>
                  j === 0 ? (
                    <th scope="row" key={j}>
                      {cell}
                    </th>
                  ) : (
                    <td key={j}>{cell}</td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
