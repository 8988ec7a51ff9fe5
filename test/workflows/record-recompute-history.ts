/**
 * Records a deploy's segment recompute as today's code runs it (one new segment with a new
 * leaf over an empty database, on the embedded servers as the bench starts them), for
 * test/workflows/replay.test.ts: `npx tsx test/workflows/record-recompute-history.ts
 * test/workflows/histories/<name>.pb`.
 */
import { writeFile } from 'node:fs/promises';
import proto from '@temporalio/proto';
import { MongoClient } from 'mongodb';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../../src/store/index.js';
import { segmentRecomputeWorkflowId } from '../../src/util/workflow-ids.js';
import { startBenchItinera } from '../../bench/in-process.js';
import { startBenchServers } from '../../bench/servers.js';
import { deploy } from '../../bench/segments-bench.js';

const out = process.argv[2];
if (!out) throw new Error('usage: npx tsx test/workflows/record-recompute-history.ts <file.pb>');
const servers = await startBenchServers(() => undefined);
const mongo = new MongoClient(servers.mongoUri, { maxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE });
const bench = await startBenchItinera(servers, mongo, 'record');
const one = await deploy(bench, 'segment buyers {\n  performed "Order Completed" at least 2 times\n}\n');
console.error(one.steps.map((s) => s.step).join(' '));
const history = await bench.runtime.temporal.workflow.getHandle(segmentRecomputeWorkflowId(bench.db.databaseName, 1)).fetchHistory();
await writeFile(out, proto.temporal.api.history.v1.History.encode(history).finish());
await bench.close();
await mongo.close();
await servers.stop();
process.exit(0);
