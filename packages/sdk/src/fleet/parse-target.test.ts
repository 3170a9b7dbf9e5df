/** parseTarget and parseTargetsFile: the endpoint forms of the issue, the file-wins rule, errors. */
import { describe, expect, it } from 'vitest';
import { parseTarget, parseTargetsFile } from './parse-target.js';

const ep = (text: string) => {
  const t = parseTarget(text);
  if (t.kind !== 'endpoint') throw new Error(`${text} parsed as a file`);
  return { host: t.host, port: t.port, isIp: t.isIp };
};

describe('parseTarget', () => {
  it('reads the endpoint forms', () => {
    expect(ep('tls://kms1.example.net:5696')).toEqual({
      host: 'kms1.example.net',
      port: 5696,
      isIp: false,
    });
    expect(ep('192.168.9.135:5696')).toEqual({ host: '192.168.9.135', port: 5696, isIp: true });
    expect(ep('Node1.Example.NET:8080')).toEqual({
      host: 'node1.example.net',
      port: 8080,
      isIp: false,
    });
    expect(ep('https://node1.example.net')).toEqual({
      host: 'node1.example.net',
      port: 443,
      isIp: false,
    });
    expect(ep('https://node1:8443/v1/health?x=1')).toEqual({
      host: 'node1',
      port: 8443,
      isIp: false,
    });
    expect(ep('[fd00::5]:8080')).toEqual({ host: 'fd00::5', port: 8080, isIp: true });
    expect(ep('tls://[FD00:0::5]:5696')).toEqual({ host: 'fd00::5', port: 5696, isIp: true });
    expect(ep('https://[::1]')).toEqual({ host: '::1', port: 443, isIp: true });
    expect(ep('localhost:15696')).toEqual({ host: 'localhost', port: 15696, isIp: false });
  });

  it('reads paths as files, and an existing path wins over host:port', () => {
    for (const p of [
      '/etc/ssl/node1.crt',
      'node1.crt',
      '-',
      './a:1',
      'C:\\certs\\a.pem',
      'dir/x:443',
    ])
      expect(parseTarget(p)).toEqual({ kind: 'file', text: p, path: p });
    expect(parseTarget('node1:443', { isPath: (t) => t === 'node1:443' }).kind).toBe('file');
    expect(parseTarget('node1:443', { isPath: () => false }).kind).toBe('endpoint');
    // A scheme always means the endpoint, even when a file of that name exists.
    expect(parseTarget('tls://node1:443', { isPath: () => true }).kind).toBe('endpoint');
  });

  it('refuses endpoints that cannot be meant, with the reason', () => {
    const refused = (text: string, why: RegExp) =>
      expect(() => parseTarget(text)).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARGUMENT',
          message: expect.stringMatching(why),
        }),
      );
    refused('tls://kms1', /a port is needed/);
    refused('tls://kms1:0', /1 to 65535/);
    refused('node1:70000', /1 to 65535/);
    refused('tls://fd00::5:443', /in brackets/);
    refused('tls://[node1]:443', /not an IPv6 address/);
    refused('tls://bad_host!:443', /not a host name/);
    refused('tls://user@node1:443', /user names/);
    refused('tls://node1:443/x', /nothing after/);
    refused('https://', /host is missing/);
  });
});

describe('parseTargetsFile', () => {
  it('one a line, # comments, blank lines skipped, line numbers kept', () => {
    expect(
      parseTargetsFile('# key servers\n\nkms1:5696\n  kms2:5696  # standby\r\n/etc/a#b.crt\n'),
    ).toEqual([
      { line: 3, text: 'kms1:5696' },
      { line: 4, text: 'kms2:5696' },
      { line: 5, text: '/etc/a#b.crt' },
    ]);
  });
  it('names the line holding two targets', () => {
    expect(() => parseTargetsFile('a:1\nb:2 c:3\n')).toThrow(/line 2: one target a line/);
  });
});
