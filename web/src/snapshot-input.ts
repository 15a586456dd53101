/**
 * A snapshot of a real Linux process (`pageframe snapshot PID --out FILE`) brought into the page:
 * the file chosen is kept under its name among the page's files, and the scenario gets a
 * `snapshot NAME "FILE"` statement, so the process's regions, tables and frames show in the views.
 */
import { addFile } from './programs.js';

/** The machine a chosen snapshot is shown on: x86-64 keeps Linux's addresses; RAM for a shell or two. */
export const SNAPSHOT_MACHINE = 'machine ram 512M\nmachine paging x86-64\n';

/** A process name from the snapshot's command: letters, digits, '-' and '_' ("bash", "node"). */
export function processNameOf(command: unknown): string {
  const name = String(command ?? '').replace(/[^A-Za-z0-9_-]/g, '');
  return /^[A-Za-z_]/.test(name) ? name.slice(0, 24) : `p${name.slice(0, 23)}`;
}

/**
 * Wires the file input: a chosen file that is a pageframe snapshot is kept and `chosen` is called
 * with the statement that loads it; anything else is reported through `refused`.
 */
export function setUpSnapshotInput(
  input: HTMLInputElement,
  chosen: (statement: string) => void,
  refused: (why: string) => void,
): void {
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    let parsed: { kind?: unknown; command?: unknown };
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      refused(`${file.name} is not JSON: choose a file written by pageframe snapshot --out`);
      return;
    }
    if (parsed?.kind !== 'pageframe-process-snapshot') {
      refused(
        `${file.name} is not a pageframe process snapshot (pageframe snapshot PID --out FILE writes one)`,
      );
      return;
    }
    addFile(file.name, bytes);
    chosen(`snapshot ${processNameOf(parsed.command)} "${file.name}"`);
  });
}
