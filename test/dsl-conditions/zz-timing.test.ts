import { it } from 'vitest';
import { MongoClient } from 'mongodb';
import { mongoUri } from '../support/servers.js';
import { findMatchingProfileIds } from '../../src/dsl/query.js';
import { generateWorld, NOWS, randomCondition } from './support/generators.js';
import { Random } from './support/random.js';
import { loadWorld, segmentSource } from './support/world.js';

it('timing', async () => {
  const client = new MongoClient(mongoUri(), { monitorCommands: true });
  await client.connect();
  const db = client.db('timing_x');
  await db.dropDatabase();
  const g = generateWorld(new Random(1), 300);
  await loadWorld(db, g.profiles, g.events);
  const counts = new Map<string, { n: number; ms: number }>();
  const started = new Map<number, [string, number]>();
  client.on('commandStarted', (e) => {
    const key = e.commandName === 'find' ? `find ${String(e.command.find)}${e.command.filter?._id ? ' $in' : ''}` : `${e.commandName} ${String(e.command.aggregate ?? '')}`;
    started.set(e.requestId, [key, Date.now()]);
  });
  client.on('commandSucceeded', (e) => {
    const [key, t] = started.get(e.requestId)!;
    const c = counts.get(key) ?? { n: 0, ms: 0 };
    c.n++; c.ms += Date.now() - t; counts.set(key, c);
  });
  const r = new Random(2);
  const t = Date.now();
  for (let i = 0; i < 100; i++) await findMatchingProfileIds(db, randomCondition(r), r.pick(NOWS), { segmentMembers: segmentSource(g.segmentMembers) });
  console.log('total', Date.now() - t, JSON.stringify([...counts]));
  await db.dropDatabase();
  await client.close();
});
