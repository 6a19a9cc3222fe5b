/** Where the oracle suite leaves its count for the reporter (inside the repository's ignored .cache). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUMMARY_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache', 'oracle-summary.txt');
