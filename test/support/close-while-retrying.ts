/**
 * A child process for test/util/temporal-retries.test.ts: a Temporal call to a port where
 * nothing listens is retrying when the connection is closed. `plain` closes at once, as
 * the SDK leaves it; `quiesce` lets the scheduled retry run first. Prints the call's outcome.
 */
import { Connection, makeGrpcRetryInterceptor } from '@temporalio/client';
import { freePort } from '../../src/infra/process.js';
import { quiescingRetries } from '../../src/util/temporal-retries.js';

const mode = process.argv[2];
const retries = quiescingRetries();
const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [makeGrpcRetryInterceptor(retries.options)] });
const call = connection.workflowService.getSystemInfo({}).then(
  () => 'answered',
  (error: { code?: number }) => `failed with code ${error.code}`,
);
// Until the first attempt has failed and its retry is scheduled on a timer.
while (retries.lastRetryAt() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
if (mode === 'quiesce') await retries.quiesce();
await connection.close();
const outcome = await Promise.race([call, new Promise((resolve) => setTimeout(() => resolve('no answer'), 10_000).unref())]);
console.log(outcome);
