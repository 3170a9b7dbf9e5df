// Types for suite.mjs, so that the vitest side (TypeScript) can list the cases.
export type ConformanceCase = (sdk: unknown, assert: unknown) => Promise<void>;
export interface CaseResult {
  name: string;
  ok: boolean;
  error?: string;
}
export const cases: Record<string, ConformanceCase>;
export function runSuite(sdk: unknown, options?: { filter?: string }): Promise<CaseResult[]>;
export const RESULT_MARKER: string;
