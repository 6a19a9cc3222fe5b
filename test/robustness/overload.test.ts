/**
 * Load shedding: past server.maxInFlight admission requests in flight, the
 * server answers at once with 429 (Retry-After: 1) instead of queueing the
 * request until the API server's timeout, /readyz says it is overloaded
 * (so the Service stops routing to this replica), /healthz stays up (no
 * restart), and it recovers when the load goes. Real HTTPS on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { allowedPolicy, hold, post, reviewProblem, startServer, type TestServer } from './support.js';

const MAX_IN_FLIGHT = 4;

async function inFlight(server: TestServer): Promise<number> {
  return (await server.metrics.inFlight.get()).values[0]?.value ?? 0;
}

async function shedCount(server: TestServer): Promise<number> {
  return (await server.metrics.shed.get()).values[0]?.value ?? 0;
}

/** Poll until cond() holds; bounded. */
async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const get = (port: number, path: string) => post(port, path, '', { method: 'GET', timeoutMs: 10_000 });

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe(`load shedding past server.maxInFlight (${MAX_IN_FLIGHT})`, () => {
  it('answers the next request at once with 429 while the others are still in flight, and /readyz reports it', async () => {
    server = await startServer({ maxInFlight: MAX_IN_FLIGHT });
    const { port } = server;
    expect((await get(port, '/readyz')).status).toBe(200);

    const held = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => hold(port, `held-${i}`));
    await until(async () => (await inFlight(server!)) === MAX_IN_FLIGHT, `${MAX_IN_FLIGHT} requests in flight`);

    const shed = await post(port, '/validate', JSON.stringify(allowedPolicy('one-too-many')), { timeoutMs: 10_000 });
    expect(shed.status).toBe(429);
    expect(shed.headers['retry-after']).toBe('1');
    expect(JSON.parse(shed.text)).toMatchObject({ error: 'Too Many Requests' });
    // Answered while every held request is still waiting for its body: it was not queued behind them.
    expect(held.some((h) => h.answered())).toBe(false);
    expect(await inFlight(server)).toBe(MAX_IN_FLIGHT);
    expect(await shedCount(server)).toBe(1);

    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect((JSON.parse(ready.text) as { reasons: string[] }).reasons.join(' ')).toMatch(/overloaded/);
    // Liveness is not readiness: an overloaded replica must not be restarted.
    expect((await get(port, '/healthz')).status).toBe(200);

    // The held requests still get their decisions.
    const answers = await Promise.all(held.map((h) => h.finish()));
    answers.forEach((a, i) => expect(reviewProblem(a, { uid: `held-${i}`, allowed: true })).toBeUndefined());
    await until(async () => (await inFlight(server!)) === 0, 'no request in flight');

    // Below the bound again: decided, and ready once the shedding is a few seconds old.
    expect(reviewProblem(await post(port, '/validate', JSON.stringify(allowedPolicy('after')), { timeoutMs: 10_000 }), { uid: 'after', allowed: true })).toBeUndefined();
    await until(async () => (await get(port, '/readyz')).status === 200, '/readyz to recover', 15_000);
  }, 60_000);

  it('a burst far past the bound gets fast refusals, never errors, and decisions resume', async () => {
    server = await startServer({ maxInFlight: MAX_IN_FLIGHT });
    const { port } = server;
    const held = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => hold(port, `held-${i}`));
    await until(async () => (await inFlight(server!)) === MAX_IN_FLIGHT, `${MAX_IN_FLIGHT} requests in flight`);

    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => post(port, '/validate', JSON.stringify(allowedPolicy(`burst-${i}`)), { timeoutMs: 10_000 })));
    expect(burst.map((a) => a.status)).toEqual(new Array<number>(50).fill(429));
    expect(held.some((h) => h.answered())).toBe(false);
    expect(await shedCount(server)).toBe(50);

    for (const [i, a] of (await Promise.all(held.map((h) => h.finish()))).entries()) expect(reviewProblem(a, { uid: `held-${i}`, allowed: true })).toBeUndefined();

    // Unheld, the same burst is decided; any request that still meets a full server gets a 429, nothing else.
    const again = await Promise.all(Array.from({ length: 50 }, (_, i) => post(port, '/validate', JSON.stringify(allowedPolicy(`again-${i}`)), { timeoutMs: 10_000 })));
    const problems = again.map((a, i) => (a.status === 429 ? undefined : reviewProblem(a, { uid: `again-${i}`, allowed: true }))).filter((p) => p !== undefined);
    expect(problems).toEqual([]);
    expect(again.filter((a) => a.status === 200).length).toBeGreaterThan(0);
  }, 60_000);
});
