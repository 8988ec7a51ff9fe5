import { it } from 'vitest';
import { freshDatabase } from '../support/servers.js';

it('probe', async () => {
  const { db, drop } = await freshDatabase('probe');
  const c = db.collection<{ _id: string; [k: string]: unknown }>('p');
  await c.insertMany([
    { _id: 'num', v: 5 }, { _id: 'dbl', v: 5.5 }, { _id: 'str', v: 'abc' }, { _id: 'arr', v: [1, 7] },
    { _id: 'null', v: null }, { _id: 'none' }, { _id: 'arrnull', v: [null] }, { _id: 'obj', v: { w: 1 } },
    { _id: 'nl', v: 'abc\n' }, { _id: 'emoji', v: '😀' }, { _id: 'fw', v: '\uFF21' }, { _id: 'bool', v: true },
    { _id: 'arrobj', v: [{ w: 1 }] }, { _id: 'd', v: new Date(1000) },
  ]);
  const probes: [string, object][] = [
    ['$nor', { $nor: [{ v: 5 }] }],
    ['not type array', { v: { $not: { $type: 'array' } } }],
    ['type array', { v: { $type: 'array' } }],
    ['type number', { v: { $type: 'number' } }],
    ['type null', { v: { $type: 'null' } }],
    ['type date', { v: { $type: 'date' } }],
    ['regex z', { v: { $regex: '^abc\\z' } }],
    ['regex $', { v: { $regex: '^abc$' } }],
    ['regex any', { v: { $regex: '^[\\s\\S]\\z' } }],
    ['regex empty', { v: { $regex: '' } }],
    ['regex esc', { v: { $regex: '\\.\\*\\+\\?\\^\\$\\{\\}\\(\\)\\|\\[\\]\\\\' } }],
    ['in empty', { v: { $in: [] } }],
    ['in null', { v: { $in: [null, 5] } }],
    ['gt 3', { v: { $gt: 3 } }],
    ['gt str', { v: { $gt: 'a' } }],
    ['gt emoji', { v: { $gt: '\uFF21' } }],
    ['lte date', { v: { $lte: new Date(2000) } }],
    ['eq null', { v: null }],
    ['ne null', { v: { $ne: null } }],
    ['exists', { v: { $exists: true } }],
    ['v.w', { 'v.w': 1 }],
    ['v.w exists', { 'v.w': { $exists: true } }],
    ['eq true', { v: true }],
    ['eq 1', { v: 1 }],
    ['$expr', { $expr: { $gt: ['$v', 3] } }],
  ];
  for (const [name, f] of probes) {
    try {
      const ids = (await c.find(f).toArray()).map((d) => d._id).sort();
      console.log(name, JSON.stringify(ids));
    } catch (e) { console.log(name, 'ERROR', (e as Error).message); }
  }
  const ev = db.collection('e');
  await ev.insertMany([{ p: 'a', x: { y: 2 } }, { p: 'a', x: { y: 3.5 } }, { p: 'b', x: { y: 1 } }]);
  for (const pipe of [
    [{ $group: { _id: '$p', t: { $sum: '$x.y' }, n: { $sum: 1 } } }],
    [{ $match: { p: 'zz' } }, { $group: { _id: '$p', n: { $count: {} } } }],
    [{ $group: { _id: '$p' } }],
  ]) {
    try { console.log(JSON.stringify(await ev.aggregate(pipe).toArray())); } catch (e) { console.log('ERROR', (e as Error).message); }
  }
  try { console.log('distinct', await ev.distinct('p', {})); } catch (e) { console.log('ERROR', (e as Error).message); }
  await drop();
});
