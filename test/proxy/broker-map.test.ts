// The upstream brokers as Metadata responses advertise them: kept current, never forgotten,
// listeners told of new and moved nodes only.
import t from 'tap';
import { BrokerMap, type UpstreamNode } from '../../src/proxy/broker-map.js';

const node = (nodeId: number, port = 9092 + nodeId, host = 'kafka', rack: string | null = null): UpstreamNode => ({
  nodeId,
  host,
  port,
  rack,
});

t.test('nodes are learned and listeners hear of new and changed ones only', async (t) => {
  const m = new BrokerMap();
  const told: UpstreamNode[] = [];
  m.onNode((n) => told.push(n));
  t.equal(m.size, 0);
  m.update([node(1), node(2)]);
  t.equal(m.size, 2);
  t.same(
    told.map((n) => n.nodeId),
    [1, 2],
  );
  m.update([node(1), node(2)]);
  t.equal(told.length, 2, 'the same nodes again: nothing new');
  m.update([node(2, 9999)]);
  m.update([node(1, 9093, 'kafka', 'rack-a')]);
  t.same(
    told.slice(2).map((n) => [n.nodeId, n.port, n.rack]),
    [
      [2, 9999, null],
      [1, 9093, 'rack-a'],
    ],
    'an address or rack change is news',
  );
  t.same(m.get(2), node(2, 9999));
  t.equal(m.get(7), undefined);
});

t.test('the map keeps its own copies', async (t) => {
  const m = new BrokerMap();
  const n = node(1);
  m.update([n]);
  n.port = 1;
  t.equal(m.get(1)!.port, 9093);
});

t.test('listed nodes follow the latest complete list; known nodes are never forgotten', async (t) => {
  const m = new BrokerMap();
  m.update([node(1), node(2), node(3)]);
  t.same(
    m.listedNodes().map((n) => n.nodeId),
    [1, 2, 3],
    'before a complete list: every known node',
  );
  m.update([node(1), node(3)], true);
  t.same(
    m.listedNodes().map((n) => n.nodeId),
    [1, 3],
  );
  t.same(
    m.all().map((n) => n.nodeId),
    [1, 2, 3],
    'node 2 keeps its entry (and its port)',
  );
  m.update([node(4)]);
  t.same(
    m.listedNodes().map((n) => n.nodeId),
    [1, 3],
    'a partial update does not change the list',
  );
  t.equal(m.clusterId, null);
  t.equal(m.controllerId, -1);
});
