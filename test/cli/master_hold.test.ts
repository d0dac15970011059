import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { bindListener, holdConnections } from '../../src/cli/master_listen.ts';

test('a connection that arrives before its service has started is handed to the service once it has', async (t) => {
  const server = await bindListener({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const release = holdConnections([server]);
  // Seen by the test only, as master sees a connection no service handles yet.
  const accepted = once(server, 'connection');
  const client = connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  client.setEncoding('latin1');
  await accepted;

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
