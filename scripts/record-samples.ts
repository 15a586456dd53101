/**
 * `npm run record:samples`: records real programs found on every Linux machine into
 * recordings/*.rep for the heap benchmark: python3 building and serialising a dictionary, sort
 * of a generated text, and git walking this repository's history. Programs that are missing are
 * skipped with a note. (The benchmark runs this itself when recordings/ is empty.)
 */
import { recordSamples } from './recorder.js';

recordSamples((line) => process.stderr.write(`${line}\n`));
