/**
 * RabbitMQ management API (what Flower uses for queue lengths when `--broker-api` is given).
 * Its numbers lag by 5-10 s, so passive declares stay the source for `messages`.
 */
export async function managementQueues(apiUrl: string, brokerUrl: string, names: string[]): Promise<Map<string, Record<string, unknown>>> {
  const api = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  const broker = new URL(brokerUrl);
  const user = decodeURIComponent(api.username || broker.username || 'guest');
  const pass = decodeURIComponent(api.password || broker.password || 'guest');
  api.username = '';
  api.password = '';
  // The vhost is the broker URL's path ("/" when empty or "//").
  const path = broker.pathname.replace(/^\//, '');
  const vhost = path === '' ? '/' : decodeURIComponent(path);
  const url = new URL(`queues/${encodeURIComponent(vhost)}`, api);
  url.searchParams.set('columns', 'name,messages,messages_ready,messages_unacknowledged,consumers,idle_since,state');
  const res = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` },
    signal: AbortSignal.timeout(3000),
  });
  if (!res.ok) throw new Error(`management API answered ${res.status}`);
  const all = (await res.json()) as Record<string, unknown>[];
  const wanted = new Set(names);
  const out = new Map<string, Record<string, unknown>>();
  for (const q of all) if (typeof q.name === 'string' && wanted.has(q.name)) out.set(q.name, q);
  return out;
}
