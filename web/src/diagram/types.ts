/**
 * A journey drawn from its text, as `GET /v1/journeys/:name` sends it per rules version:
 * the server's own types (src/dsl/diagram.ts), so the two cannot drift apart.
 */
export type { Diagram, DiagramBlock, DiagramNode, DiagramCounts as StepCounts } from '../../../src/dsl/diagram';
