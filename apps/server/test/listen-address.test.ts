/** `--listen` parsing and the loopback test of `--plain-http`. */
import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, parseListenAddress } from '../src/lib/listen-address.js';

describe('loopback addresses', () => {
  it('127.example.com and other look-alikes are not loopback: the address is parsed, not prefix-matched', () => {
    for (const host of [
      '127.example.com',
      '127.0.0.1.example.com',
      '127.0.0.1.',
      '127.1',
      '0177.0.0.1',
      'localhost',
      'localhost.example.com',
      '::2',
      '::ffff:10.0.0.1',
      '128.0.0.1',
      '0.0.0.0',
      '::',
      '',
    ])
      expect([host, isLoopbackAddress(host)]).toEqual([host, false]);
  });

  it('the whole of 127.0.0.0/8, ::1 and IPv4-mapped loopback are', () => {
    for (const host of [
      '127.0.0.1',
      '127.255.255.254',
      '127.0.0.2',
      '::1',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ])
      expect([host, isLoopbackAddress(host)]).toEqual([host, true]);
  });
});

describe('--listen', () => {
  it('parses HOST:PORT and [IPv6]:PORT', () => {
    expect(parseListenAddress('127.0.0.1:8443')).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddress('head.example.net:443')).toEqual({
      host: 'head.example.net',
      port: 443,
    });
  });

  it('refuses what is not HOST:PORT', () => {
    for (const text of [
      '127.0.0.1',
      ':8443',
      '::1:8443',
      '[::1]',
      '[nope]:1',
      'a:65536',
      'a:-1',
      'a:b',
    ])
      expect([text, parseListenAddress(text)]).toEqual([text, undefined]);
  });
});
