import { describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { createCsr } from '../csr/create-csr.js';
import { NodeIdError } from '../errors.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { exportPrivateKeyPem } from '../keys/export-private-key-pem.js';
import { inspectAll } from './inspect.js';

describe('inspectAll', () => {
  it('describes every block of a bundle in order and skips unknown blocks', async () => {
    const ca = await createCa({ clusterName: 'c' });
    const node = await issueIdentity({ ca, name: 'n1.example.net' });
    const csr = await createCsr({ name: 'n2.example.net' });
    const keyPem = await exportPrivateKeyPem(node.privateKey);
    const text = `${node.certificate.pem}${ca.certificate.pem}-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n${csr.pem}${keyPem}`;
    const items = await inspectAll(text);
    expect(items.map((i) => i.kind)).toEqual(['certificate', 'certificate', 'csr', 'key']);
    const [leaf, root] = items;
    expect(leaf?.kind === 'certificate' && leaf.subject.text).toBe('CN=c');
    expect(root?.kind === 'certificate' && root.isCa).toBe(true);
    expect(JSON.stringify(items)).not.toContain('PRIVATE KEY');
  });

  it('DER input and garbage', async () => {
    const ca = await createCa({ clusterName: 'c' });
    expect((await inspectAll(ca.certificate.der)).map((i) => i.kind)).toEqual(['certificate']);
    await expect(inspectAll('hello')).rejects.toSatisfy(NodeIdError.isInstance);
  });
});
