/** One captured frame (without its size prefix) of test/fixtures/golden.json. */
export interface Golden {
  source: string;
  apiKey: number;
  version: number;
  direction: 'request' | 'response';
  hex: string;
}
