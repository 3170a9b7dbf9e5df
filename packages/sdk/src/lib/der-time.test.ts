/**
 * `readTime` by the text of RFC 5280 §4.1.2.5: UTCTime is YYMMDDHHMMSSZ, YY of 50 or more is
 * 19YY and below 50 is 20YY (§4.1.2.5.1); GeneralizedTime is YYYYMMDDHHMMSSZ (§4.1.2.5.2);
 * both "MUST be expressed in Greenwich Mean Time (Zulu) and MUST include seconds", and
 * GeneralizedTime "MUST NOT include fractional seconds". Anything else is refused with the
 * caller's code, and so is a calendar date that does not exist.
 */
import { describe, expect, it } from 'vitest';
import { readTime, Tag } from './der.js';

const node = (tag: number, text: string) => {
  const value = new TextEncoder().encode(text);
  return { tag, raw: value, value, kids: undefined };
};
const utc = (text: string) => readTime(node(Tag.UTC_TIME, text), 'ERR_CERTIFICATE_INVALID');
const gen = (text: string) => readTime(node(Tag.GENERALIZED_TIME, text), 'ERR_CERTIFICATE_INVALID');

describe('readTime', () => {
  it('reads UTCTime with the two-digit year window of §4.1.2.5.1', () => {
    expect(utc('491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(utc('500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(utc('991231235959Z').toISOString()).toBe('1999-12-31T23:59:59.000Z');
    expect(utc('000229120000Z').toISOString()).toBe('2000-02-29T12:00:00.000Z');
  });

  it('reads GeneralizedTime with its four-digit year, years below 100 included', () => {
    expect(gen('20500101000000Z').toISOString()).toBe('2050-01-01T00:00:00.000Z');
    expect(gen('99991231235959Z').toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(gen('00010101000000Z').getUTCFullYear()).toBe(1);
    expect(gen('00990615000000Z').getUTCFullYear()).toBe(99);
  });

  it('refuses what is not Zulu time with seconds, without fractions', () => {
    for (const bad of [
      '4912312359Z', // no seconds
      '491231235959', // no Z
      '491231235959+0000', // an offset
      '491231235959z',
      '4912312359590Z',
      '49123123595aZ',
      '49 231235959Z',
      '',
    ])
      expect(() => utc(bad), bad).toThrow(/malformed time/);
    for (const bad of [
      '20491231235959.5Z', // fractional seconds
      '204912312359Z',
      '20491231235959',
      '20491231235959-0100',
      '2049123123595\u0669Z', // ARABIC-INDIC DIGIT NINE: a digit, not an ASCII one
      '+0491231235959Z',
    ])
      expect(() => gen(bad), bad).toThrow(/malformed time/);
  });

  it('refuses dates and times that do not exist', () => {
    for (const bad of [
      '491331000000Z', // month 13
      '490001000000Z', // month 0
      '490100000000Z', // day 0
      '490230000000Z', // 30 February
      '490229000000Z', // 29 February of a common year
      '490101240000Z', // hour 24
      '490101006000Z',
      '490101000060Z', // a leap second
    ])
      expect(() => utc(bad), bad).toThrow(/invalid time/);
    expect(() => gen('21000229000000Z')).toThrow(/invalid time/); // 2100 is not a leap year
  });

  it('refuses a node that is not a time, with the caller’s code', () => {
    expect(() => readTime(node(Tag.OCTET_STRING, '491231235959Z'), 'ERR_CRL_INVALID')).toThrow(
      expect.objectContaining({ code: 'ERR_CRL_INVALID' }),
    );
  });
});
