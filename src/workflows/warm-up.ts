/**
 * A workflow that does nothing: started once as the worker starts (src/workflows/
 * warm-up.client.ts), so that the worker's first real workflow task (a deploy's recompute,
 * a journey's first run) does not also pay for its sandbox's first activation.
 */
export async function warmUpWorkflow(): Promise<void> {}
