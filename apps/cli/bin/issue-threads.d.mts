import type { Worker } from 'node:worker_threads';

/** Starts `count` issuing threads of the worker module at `url` now, for {@link issueThreads}. */
export declare function prestart(url: URL, count: number, keyAlgorithm?: string): void;
/** `count` issuing threads: the prestarted ones still alive, then new ones. */
export declare function issueThreads(url: URL, count: number): Worker[];
/** Whether a command line (`process.argv`) is a bulk issuance that would use the threads. */
export declare function isBulkIssue(argv: string[]): boolean;
/** The key algorithm a bulk command line asks for (`--algorithm`, default `P-256`). */
export declare function keyAlgorithmOf(argv: string[]): string;
