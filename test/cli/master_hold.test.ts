import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bindListener, holdConnections } from '../../src/cli/master_listen.ts';

/** Waits until `server` has accepted `n` connections, without listening for them itself. */
async function accepted(server: Server, n: number): Promise<void> {
  const count = () => new Promise<number>((ok, fail) => server.getConnections((err, c) => (err ? fail(err) : ok(c))));
  while ((await count()) < n) await sleep(5);
}

test('a connection that arrives before its service has started is handed to the service once it has', async (t) => {
  const server = await bindListener({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const release = holdConnections([server]);
  const client = connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  client.setEncoding('latin1');
  await accepted(server, 1);

  // The service starts: its handler greets, as smtpd does.
  const greeted: Socket[] = [];
  server.on('connection', (socket: Socket) => {
    greeted.push(socket);
    socket.end('220 ready\r\n');
  });
  assert.equal(greeted.length, 0, 'held until release');
  release();
  const [line] = (await once(client, 'data')) as [string];
  assert.equal(line, '220 ready\r\n');
  assert.equal(greeted.length, 1);

  // After release the holder is gone: later connections go to the service alone.
  assert.equal(server.listenerCount('connection'), 1);
});

test('a connection that arrives after the service listens but before release gets one session, not two', async (t) => {
  const server = await bindListener({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const release = holdConnections([server]);
  const sessions: Socket[] = [];
  server.on('connection', (socket: Socket) => {
    sessions.push(socket);
    socket.write('220 ready\r\n');
  });
  const client = connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  await once(client, 'data');
  release();
  await sleep(50);
  assert.equal(sessions.length, 1);
});
