import { describe, expect, it } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { dedupeQueries, sharedBodyOf, SubgraphDataSource } from './subgraph-data-source.js';

/** A fake upstream that answers after a delay and counts what it was sent. */
function upstream() {
  const sent: string[] = [];
  const send = async (_url: string, init: RequestInit) => {
    sent.push(init.body as string);
    await new Promise((r) => setTimeout(r, 20));
    return new Response(JSON.stringify({ data: { n: sent.length } }), {
      headers: { 'content-type': 'application/json' },
    });
  };
  return { sent, send };
}
const body = (query: string, variables = {}) => JSON.stringify({ query, variables });

describe('identical concurrent subgraph queries share one request', () => {
  it('sends one of many identical queries, and every caller gets its own readable answer', async () => {
    const { sent, send } = upstream();
    const fetcher = dedupeQueries(send);
    const init = {
      method: 'POST',
      body: body('query Q__a__0{models{id}}'),
      headers: { 'x-medfed-identity': 'token-a' },
    };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => fetcher('http://a/graphql', init)),
    );
    expect(sent).toHaveLength(1);
    // Each caller gets its own Response over the text read once (parsed by each caller itself).
    expect(new Set(answers).size).toBe(20);
    expect(answers.every((r) => r.status === 200 && sharedBodyOf(r) === '{"data":{"n":1}}')).toBe(
      true,
    );
    expect(answers[0]!.headers.get('content-type')).toBe('application/json');
    // Once answered, the next identical query goes upstream again (no caching beyond in-flight).
    await fetcher('http://a/graphql', init);
    expect(sent).toHaveLength(2);
  });

  it('never shares between different variables, identities, or for mutations', async () => {
    const { sent, send } = upstream();
    const fetcher = dedupeQueries(send);
    await Promise.all([
      fetcher('http://a/graphql', {
        body: body('query Q{m(id:$id){id}}', { id: 1 }),
        headers: { 'x-medfed-identity': 'a' },
      }),
      fetcher('http://a/graphql', {
        body: body('query Q{m(id:$id){id}}', { id: 2 }),
        headers: { 'x-medfed-identity': 'a' },
      }),
      fetcher('http://a/graphql', {
        body: body('query Q{m(id:$id){id}}', { id: 1 }),
        headers: { 'x-medfed-identity': 'b' },
      }),
      fetcher('http://a/graphql', { body: body('mutation M{register{id}}'), headers: {} }),
      fetcher('http://a/graphql', { body: body('mutation M{register{id}}'), headers: {} }),
    ]);
    expect(sent).toHaveLength(5);
  });

  it('passes a failure to every waiting caller, and forgets it', async () => {
    let calls = 0;
    const fetcher = dedupeQueries(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      throw new Error('connection refused');
    });
    const init = { body: body('{ a }'), headers: {} };
    const results = await Promise.allSettled([
      fetcher('http://a', init),
      fetcher('http://a', init),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    await expect(fetcher('http://a', init)).rejects.toThrow('connection refused');
    expect(calls).toBe(2);
  });

  it('lets each caller parse a shared answer itself, error statuses and plain text included', async () => {
    const source = new SubgraphDataSource({
      name: 'a',
      url: 'http://a/graphql',
      timeoutMs: 1000,
      log: createLogger({ name: 'test', level: 'silent' }),
    });
    const answer = (status: number, type: string, text: string) =>
      dedupeQueries(async () => new Response(text, { status, headers: { 'content-type': type } }));
    const init = { body: body('{ a }'), headers: {} };
    const parse = (r: Response) => source.parseBody(r);

    const json = await answer(200, 'application/json', '{"data":{"a":1}}')('http://a', init);
    const first = (await parse(json)) as { data: { a: number } };
    const second = (await parse(json)) as { data: { a: number } };
    expect(first).toEqual({ data: { a: 1 } });
    first.data.a = 2; // a caller changing its copy changes no one else's
    expect(second.data.a).toBe(1);

    const failed = await answer(
      503,
      'application/graphql-response+json',
      '{"errors":[]}',
    )('http://a', init);
    expect(failed.ok).toBe(false);
    expect(await parse(failed)).toEqual({ errors: [] });
    const text = await answer(502, 'text/html', '<h1>Bad gateway</h1>')('http://a', init);
    expect(await parse(text)).toBe('<h1>Bad gateway</h1>');
  });
});
