/**
 * The words around the editor: the status line (how far the run is, how it ended), the list of
 * problems under the editor, and the "What just happened" panel. Drawn by the playground after
 * each step.
 */
import { el } from './dom.js';
import type { ScenarioEditor } from './editor.js';
import type { Problem, Session } from './session.js';

/** Failures listed under the editor at most (the newest). */
const MAX_PROBLEMS_SHOWN = 4;

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** How far the run has come, or how it ended. */
export function statusText(s: Session): string {
  if (s.parseProblem) return 'does not parse';
  if (!s.done)
    return `${Math.min(s.stepsRun, s.statementCount)} of ${s.statementCount} run, next: line ${s.nextLine}`;
  if (s.outcome?.ok) return `done: ${plural(s.outcome.statementsRun, 'statement')}, every expectation held`;
  const failures = plural(s.outcome?.failures.length ?? 0, 'failure');
  // A run that went on after failures (`on error continue`) finished; one cut short stopped.
  const stoppedAt = s.outcome?.stoppedAt;
  return stoppedAt === undefined ? `finished with ${failures}` : `stopped at line ${stoppedAt}: ${failures}`;
}

/** The last statement's change in words; after a Run or a reset, how to see one. */
export function renderChange(target: HTMLElement, session: Session): void {
  const change = session.lastChange;
  if (!change) {
    const hint =
      session.stepsRun === 0
        ? 'Step (F10) runs one statement and says here what it changed; changed frames and TLB rows are outlined in red.'
        : 'Step, or step back (Shift+F10), to see what one statement changed.';
    target.replaceChildren(el('p', { class: 'muted' }, hint));
    return;
  }
  const [statement, ...rest] = change.sentences;
  target.replaceChildren(
    el('p', { class: 'statement' }, statement),
    ...rest.map((sentence) => el('p', {}, sentence)),
  );
  target.dataset.frames = String(change.frames.length);
}

/** Lists the problems (the newest last) and marks their lines; none hides the box. */
export function renderProblems(errorBox: HTMLElement, editor: ScenarioEditor, problems: Problem[]): void {
  editor.setErrorLines(problems.map((p) => p.line));
  if (problems.length === 0) {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    delete errorBox.dataset.line;
    return;
  }
  const shown = problems.slice(-MAX_PROBLEMS_SHOWN);
  const items = shown.map(({ line, message }) => {
    const item = el('div', { class: 'problem', 'data-line': line }, message);
    if (line > 0) {
      const go = el('button', { type: 'button' }, `go to line ${line}`);
      go.addEventListener('click', () => editor.focusLine(line));
      item.append(go);
    }
    return item;
  });
  const earlier = problems.length - shown.length;
  errorBox.replaceChildren(
    earlier > 0 ? el('div', {}, `${earlier} earlier failures not shown`) : '',
    ...items,
  );
  errorBox.hidden = false;
  errorBox.dataset.line = String(problems[problems.length - 1].line);
}
