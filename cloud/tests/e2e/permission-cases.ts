import { describe, expect, it } from 'vitest';
import { signToken, unsignedToken } from '../auth/tokens.js';
import type { BridgeContext } from './support/bridge-context.js';
import { settle, type TestClient } from './support/test-client.js';

/** The `aud` the permission matrix's stack requires. */
export const TEST_AUDIENCE = 'topic-bridge-tests';

/** A token for this stack's audience with these grants. */
const tokenFor = (
  grants: { publish?: string[]; subscribe?: string[] },
  extra: Record<string, unknown> = {},
) => signToken({ aud: TEST_AUDIENCE, publish: [], subscribe: [], ...grants, ...extra });

/** The HTTP status of a refused handshake (or 101 when it was accepted). */
async function handshakeStatus(bridge: BridgeContext, url: string, protocols?: string[]): Promise<number> {
  try {
    await bridge.openUrl(url, protocols);
    return 101;
  } catch (error) {
    const status = /HTTP (\d{3})/.exec(String(error))?.[1];
    if (status === undefined) throw error;
    return Number(status);
  }
}

/**
 * The permission matrix through the real local stack: who may connect, subscribe and publish. In every
 * denied case nothing is written (the table is read directly) and nothing is broadcast (a full-access
 * subscriber to `#` receives nothing).
 */
export function permissionCases(bridge: BridgeContext): void {
  describe('permissions (tokens and their grants)', () => {
    /** A subscriber to everything, to prove that a denied frame reached nobody. */
    const watcher = () => bridge.open('#');
    const expectNothingBroadcast = async (witness: TestClient) => {
      await settle();
      expect(witness.frames).toEqual([]);
    };

    it.each([
      ['no token', async () => undefined],
      [
        'a forged signature',
        () => signToken({ aud: TEST_AUDIENCE }, { secret: 'forged-secret-forged-secret-forg' }),
      ],
      ['alg none', async () => unsignedToken()],
      [
        'an expired token',
        () => tokenFor({ subscribe: ['#'] }, { exp: Math.floor(Date.now() / 1000) - 120 }),
      ],
      ['a wrong audience', () => signToken({ aud: 'another-service' })],
      ['no audience', () => signToken({})],
      ['garbage', async () => 'not-a-jwt'],
    ])('refuses the handshake with 401 for %s, and writes nothing', async (_, token) => {
      const topic = bridge.unique();
      expect(await handshakeStatus(bridge, bridge.urlWithToken(await token(), topic))).toBe(401);
      expect(await bridge.table().rowsWithFilters(topic)).toEqual([]);
    });

    it('refuses with 403 a connect-time filter outside the subscribe grants, writing none of the filters', async () => {
      const topic = bridge.unique();
      const token = await tokenFor({ subscribe: [`${topic}/+/temp`] });
      const url = bridge.urlWithToken(token, `${topic}/a/temp`, `${topic}/#`);
      expect(await handshakeStatus(bridge, url)).toBe(403);
      expect(await bridge.table().rowsWithFilters(`${topic}/a/temp`, `${topic}/#`)).toEqual([]);
    });

    it('follows the wildcard edges at connect: + covers one level, not #, not two levels', async () => {
      const topic = bridge.unique();
      const token = await tokenFor({ subscribe: [`${topic}/+/temp`, `${topic}/all/#`] });
      const status = async (filter: string) => handshakeStatus(bridge, bridge.urlWithToken(token, filter));
      expect({
        one: await status(`${topic}/a/temp`),
        plus: await status(`${topic}/+/temp`),
        hash: await status(`${topic}/#`),
        deeper: await status(`${topic}/a/b/temp`),
        wider: await status(`${topic}/+/+`),
        parentOfHash: await status(`${topic}/all`),
        insideHash: await status(`${topic}/all/+/x`),
      }).toEqual({
        one: 101,
        plus: 101,
        hash: 403,
        deeper: 403,
        wider: 403,
        parentOfHash: 101,
        insideHash: 101,
      });
      expect(
        (await bridge.table().rowsWithFilters(`${topic}/#`, `${topic}/a/b/temp`, `${topic}/+/+`)).length,
      ).toBe(0);
    });

    it('answers forbidden (with the id) to a runtime subscribe outside the grants; nothing stored; the connection stays open', async () => {
      const topic = bridge.unique();
      const client = await bridge.openUrl(bridge.urlWithToken(await tokenFor({ subscribe: [`${topic}/+`] })));
      expect(await client.request({ action: 'subscribe', topic: `${topic}/#`, id: 's1' })).toEqual({
        type: 'error',
        code: 'forbidden',
        reason: `your token does not allow subscribing to "${topic}/#"`,
        id: 's1',
      });
      expect(await bridge.table().rowsWithFilters(`${topic}/#`)).toEqual([]);
      expect(await client.request({ action: 'subscribe', topic: `${topic}/x`, id: 's2' })).toEqual({
        type: 'subscribed',
        topic: `${topic}/x`,
        id: 's2',
        retained: 0,
      });
      expect((await bridge.table().rowsWithFilters(`${topic}/x`)).length).toBe(1);
    });

    it('answers forbidden (with the id) to a publish outside the grants; nothing broadcast; allowed publishes flow', async () => {
      const topic = bridge.unique();
      const witness = await watcher();
      const publisher = await bridge.openUrl(
        bridge.urlWithToken(await tokenFor({ publish: [`${topic}/a/#`] })),
      );
      for (const [target, id] of [
        [`${topic}/b`, 'p1'],
        [`${topic}/ab`, 'p2'],
        [topic, 'p3'],
      ] as const) {
        expect(await publisher.request({ topic: target, message: 'no', id })).toEqual({
          type: 'error',
          code: 'forbidden',
          reason: `your token does not allow publishing to "${target}"`,
          id,
        });
      }
      await expectNothingBroadcast(witness);
      // `a/#` also grants its parent level `a`, as MQTT matching does; the connection is still open.
      const allowed = JSON.stringify({ topic: `${topic}/a`, message: 'yes', id: 'p4' });
      expect(await publisher.request(allowed)).toEqual({
        type: 'ack',
        id: 'p4',
        delivered: 1,
        subscribers: 1,
        queued: 0,
      });
      await witness.waitForFrames(1);
      expect(witness.frames).toEqual([allowed]);
    });

    it('a token with no grants may connect and ping, and nothing else', async () => {
      const topic = bridge.unique();
      const witness = await watcher();
      const client = await bridge.openUrl(bridge.urlWithToken(await tokenFor({})));
      expect(await client.request({ action: 'ping', id: 'k' })).toEqual({ type: 'pong', id: 'k' });
      expect(await client.request({ topic, message: 1, id: 'n' })).toMatchObject({
        code: 'forbidden',
        id: 'n',
      });
      await expectNothingBroadcast(witness);
    });

    it('takes the token from the Sec-WebSocket-Protocol header (topic-bridge.v1, bearer.<JWT>)', async () => {
      const topic = bridge.unique();
      const token = await tokenFor({ subscribe: [`${topic}/#`], publish: [`${topic}/#`] });
      const url = bridge.urlWithToken(undefined, `${topic}/x`);
      const client = await bridge.openUrl(url, ['topic-bridge.v1', `bearer.${token}`]);
      const frame = JSON.stringify({ topic: `${topic}/x`, message: 'via header', id: 'h1' });
      expect(await client.request(frame)).toEqual(JSON.parse(frame));
      const forged = await signToken({ aud: TEST_AUDIENCE }, { secret: 'forged-secret-forged-secret-forg' });
      expect(
        await handshakeStatus(bridge, bridge.urlWithToken(undefined, `${topic}/y`), [
          'topic-bridge.v1',
          `bearer.${forged}`,
        ]),
      ).toBe(401);
      expect(await bridge.table().rowsWithFilters(`${topic}/y`)).toEqual([]);
    });
  });
}
