import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgress, formatDuration, renderBar } from './progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 120, write: (t: string) => chunks.push(t) };
}

describe('createProgress', () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => vi.useRealTimers());
  const now = () => clock;
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  it('prints a plain line per interval on a non-TTY stream, with count, rate and ETA, and a last one', () => {
    const out = stream(false);
    const p = createProgress({
      unit: 'nodes',
      verb: 'issued',
      total: 100,
      stream: out,
      intervalMs: 1000,
      now,
    });
    p.add(20);
    advance(1000);
    p.add(20, 1);
    advance(1000);
    expect(out.chunks).toEqual([
      'issued 20/100 nodes, 20 nodes/s, ETA 4s\n',
      'issued 40/100 nodes, 1 failed, 20 nodes/s, ETA 3s\n',
    ]);
    p.add(60);
    clock += 1000;
    expect(p.finish()).toEqual({ done: 100, failed: 1, seconds: 3, rate: 100 / 3 });
    expect(out.chunks.at(-1)).toBe('issued 100/100 nodes, 1 failed, 33.3 nodes/s\n');
    advance(5000);
    expect(out.chunks).toHaveLength(3);
  });

  it('redraws a bar in place on a terminal and clears it at the end', () => {
    const out = stream(true);
    const p = createProgress({
      unit: 'nodes',
      verb: 'issued',
      total: 10,
      stream: out,
      intervalMs: 100,
      now,
    });
    p.add(5);
    advance(100);
    expect(out.chunks[0]).toMatch(/^\r\[#{15}\.{15}\] 5\/10 nodes, 50 nodes\/s, ETA 0s/);
    p.finish();
    expect(out.chunks.at(-1)).toBe('\r\u001b[K');
  });

  it('prints nothing with quiet', () => {
    const out = stream(false);
    const p = createProgress({
      unit: 'nodes',
      verb: 'issued',
      total: 10,
      stream: out,
      quiet: true,
      intervalMs: 10,
      now,
    });
    p.add(10);
    advance(100);
    p.finish();
    expect(out.chunks).toEqual([]);
  });
});

describe('formatting', () => {
  it('renders bars and durations', () => {
    expect(renderBar(0.5, 10)).toBe('[#####.....]');
    expect(renderBar(2, 4)).toBe('[####]');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(3720)).toBe('1h 02m');
  });
});
