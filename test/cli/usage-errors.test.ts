/**
 * One policy for options and input files, end to end: a bad option value exits 2 naming the
 * option, the allowed range and the usage line; a file that cannot be read is named with the reason.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageframe, scratch, scratchFile } from './helpers.js';

const trace = () => scratchFile('ok.rep', '0\n1\n2\n1\na 0 100\nf 0\n');

function usageError(args: string[], option: string, allowed: string, usage: string): void {
  const ran = pageframe(args);
  expect(ran.status, args.join(' ')).toBe(2);
  expect(ran.stderr).toContain(`option '${option}`);
  expect(ran.stderr).toContain(allowed);
  expect(ran.stderr).toContain(`Usage: pageframe ${usage}`);
  expect(ran.stdout).toBe('');
}

describe('option values', () => {
  it('refuses a RAM size the machine cannot have, naming the option and the range', () => {
    usageError(
      ['replay', '--ram', '8G', trace()],
      '--ram <size>',
      '4 KiB to 4 GiB',
      'replay [options] <file>',
    );
    usageError(['replay', '--ram', 'abc', trace()], '--ram <size>', "'abc' is not a number", 'replay');
    usageError(['replay', '--ram', '6000', trace()], '--ram <size>', 'a multiple of 4 KiB', 'replay');
  });

  it('refuses a heap area that is not a power of two from 4K to 128K', () => {
    usageError(
      ['replay', '--heap-area', '1', trace()],
      '--heap-area',
      'a power of two from 4 KiB to 128 KiB',
      'replay',
    );
  });

  it('says a negative value cannot be one', () => {
    usageError(['replay', '--ram', '-4M', trace()], '--ram', 'A size cannot be negative', 'replay');
    usageError(['replay', '--seed', '-3', trace()], '--seed', 'It cannot be negative', 'replay');
    usageError(['serve', '--port', '70000'], '--port', 'a whole number from 0 to 65535', 'serve [options]');
  });

  it('prints the usage line of the command after a missing argument', () => {
    const ran = pageframe(['run']);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toContain("missing required argument 'file'");
    expect(ran.stderr).toContain('Usage: pageframe run [options] <file...>');
  });

  it('accepts values in range', () => {
    const ran = pageframe(['replay', '--ram', '16M', '--heap-area', '8K', '--seed', '3', trace()]);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
  });
});

describe('input files', () => {
  it('names a directory given as a scenario, and why it cannot be read', () => {
    mkdirSync(join(scratch, 'a-folder'), { recursive: true });
    const ran = pageframe(['run', 'a-folder']);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toBe('a-folder: cannot read it: it is a directory\n');
  });

  it('names a missing file', () => {
    const ran = pageframe(['run', 'missing.pf']);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toBe('missing.pf: cannot read it: no such file\n');
  });
});

describe('help and hints', () => {
  it('bench --help lists the suites', async () => {
    const { SUITES } = await import('../../bench/index.js');
    const ran = pageframe(['bench', '--help']);
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain(`Suites: ${Object.keys(SUITES).join(', ')}\n`);
  });

  it('replay of a recording that was never made says how to make one', () => {
    const ran = pageframe(['replay', 'recordings/none-such.rep']);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toBe(
      'recordings/none-such.rep: cannot read it: no such file\nTraces of real programs are recorded on this machine: `npm run record -- COMMAND...` writes recordings/COMMAND.rep, `npm run record:samples` a few at once.\n',
    );
  });
});

describe('trace errors name a line of the file', () => {
  it('points a trace whose header is empty at its first line, not line 0', () => {
    const ran = pageframe(['replay', scratchFile('blank.rep', '\n\n\n\n')]);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toBe('blank.rep:1: the header needs 4 numbers, found 0\n');
  });
});
