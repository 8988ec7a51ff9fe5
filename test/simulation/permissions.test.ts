/** Who may simulate: those who may deploy what they simulate (it may render a real person's traits). */
import { expect, it } from 'vitest';
import { decide } from '../../src/server/permissions.js';

it('lets admins and marketers simulate, not viewers nor the privacy role', () => {
  const allowed = (role: 'admin' | 'marketer' | 'privacy' | 'viewer') => decide(role, 'POST', '/v1/journeys/simulate').allowed;
  expect([allowed('admin'), allowed('marketer'), allowed('privacy'), allowed('viewer')]).toEqual([true, true, false, false]);
  expect(decide('viewer', 'POST', '/v1/journeys/simulate')).toMatchObject({ what: 'simulate journeys' });
});
