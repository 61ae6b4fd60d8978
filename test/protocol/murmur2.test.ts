// Kafka's own test vectors for Utils.murmur2 (UtilsTest).
import t from 'tap';
import { murmur2, partitionForKey } from '../../src/protocol/murmur2.js';

t.test('murmur2 matches Kafka', async (t) => {
  const cases: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [s, want] of cases) t.equal(murmur2(Buffer.from(s)), want, s);
  t.equal(partitionForKey(Buffer.from('21'), 3), (-973932308 & 0x7fffffff) % 3);
});
