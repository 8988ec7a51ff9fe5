/** `npm run provision`: fetch and build every embedded server now, instead of on first start. */
import { ensureFerretDb, ensureTemporalCli, ensureTestServer, ProvisioningError } from './provision.js';

const progress = (message: string) => console.log(`[provision] ${message}`);

try {
  const [temporal, testServer, ferretdb] = await Promise.all([
    ensureTemporalCli(progress),
    ensureTestServer(progress),
    ensureFerretDb(progress),
  ]);
  console.log(`[provision] temporal: ${temporal}\n[provision] test server: ${testServer}\n[provision] ferretdb: ${ferretdb}`);
} catch (error) {
  console.error(error instanceof ProvisioningError ? `[provision] ${error.message}` : error);
  process.exit(1);
}
