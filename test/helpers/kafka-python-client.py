# kafka-python (an independent Kafka client, Debian's python3-kafka 2.0.2) driven by the tests:
# one JSON plan on argv[1], one JSON result line on stdout. Steps run in order; the first error
# stops the plan and is reported as {"error": "<ExceptionClass>: <message>"}.
#
#   {"bootstrap": "host:port", "config": {kafka-python client settings},
#    "steps": [{"produce": {"topic": T, "values": [...], "keys": [...]?}},
#              {"consume": {"topic": T, "group": G, "count": N, "timeoutMs": MS}},
#              {"createAcl": {...}}, {"describeAcls": {"principal": P}}, {"deleteAcls": {...}}]}
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         ResourcePattern, ResourcePatternFilter, ResourceType)


def acl(spec):
    return ACL(principal=spec['principal'], host=spec.get('host', '*'),
               operation=ACLOperation[spec['operation']],
               permission_type=ACLPermissionType[spec.get('permission', 'ALLOW')],
               resource_pattern=ResourcePattern(ResourceType[spec['resourceType']], spec['resourceName'],
                                                ACLResourcePatternType[spec.get('patternType', 'LITERAL')]))


def acl_filter(spec):
    return ACLFilter(principal=spec.get('principal'), host='*', operation=ACLOperation.ANY,
                     permission_type=ACLPermissionType.ANY,
                     resource_pattern=ResourcePatternFilter(ResourceType[spec.get('resourceType', 'ANY')],
                                                            spec.get('resourceName'),
                                                            ACLResourcePatternType[spec.get('patternType', 'ANY')]))


def describe(a):
    return {'principal': a.principal, 'operation': a.operation.name, 'permission': a.permission_type.name,
            'resourceType': a.resource_pattern.resource_type.name, 'resourceName': a.resource_pattern.resource_name,
            'patternType': a.resource_pattern.pattern_type.name}


def main():
    plan = json.loads(sys.argv[1])
    common = dict(bootstrap_servers=plan['bootstrap'], client_id='kafka-python-test', **plan.get('config', {}))
    out = {}
    try:
        for step in plan['steps']:
            if 'produce' in step:
                p = step['produce']
                producer = KafkaProducer(acks=1, **common)
                keys = p.get('keys') or [None] * len(p['values'])
                futures = [producer.send(p['topic'], value=v.encode(), key=None if k is None else k.encode())
                           for v, k in zip(p['values'], keys)]
                producer.flush()
                for f in futures:
                    f.get(timeout=30)
                producer.close()
                out['produced'] = out.get('produced', 0) + len(futures)
            elif 'consume' in step:
                c = step['consume']
                consumer = KafkaConsumer(c['topic'], group_id=c['group'], auto_offset_reset='earliest',
                                         consumer_timeout_ms=c.get('timeoutMs', 15000), **common)
                got = []
                for m in consumer:
                    got.append(m.value.decode())
                    if len(got) >= c['count']:
                        break
                consumer.commit()
                consumer.close()
                out['consumed'] = got
            elif 'createAcl' in step:
                admin = KafkaAdminClient(**common)
                r = admin.create_acls([acl(step['createAcl'])])
                admin.close()
                out['created'] = len(r['succeeded'])
                out['createFailed'] = [str(e) for _, e in r['failed']]
            elif 'describeAcls' in step:
                admin = KafkaAdminClient(**common)
                acls, err = admin.describe_acls(acl_filter(step['describeAcls']))
                admin.close()
                out['acls'] = [describe(a) for a in acls]
            elif 'deleteAcls' in step:
                admin = KafkaAdminClient(**common)
                r = admin.delete_acls([acl_filter(step['deleteAcls'])])
                admin.close()
                out['deleted'] = sum(len(matches) for _, matches, _ in r)
    except Exception as e:  # reported to the test, which decides whether it was expected
        out['error'] = '%s: %s' % (type(e).__name__, e)
    print(json.dumps(out))


main()
