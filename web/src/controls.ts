/**
 * The playground's buttons, sliders and keys, wired to its actions in one place: Run, Back,
 * Step, Play, Reset, the timeline and speed, the map's zoom buttons, and the keyboard (F-keys as
 * in a debugger). The playground implements the actions.
 */
import { byId } from './dom.js';

export interface ControlActions {
  runToEnd(): void;
  step(): void;
  back(): void;
  goToStep(steps: number): void;
  togglePlay(): void;
  reset(): void;
  setSpeed(stepsPerSecond: number): void;
  zoom(steps: number): void;
  fit(): void;
  zoomToChange(): void;
  /** F9 and F4: at the editor caret's line. */
  toggleBreakpointAtCaret(): void;
  runToCaret(): void;
  /** Escape: stops play or a run; false when neither was going on. */
  stop(): boolean;
}

export function wireControls(actions: ControlActions): void {
  byId('run').addEventListener('click', () => actions.runToEnd());
  byId('step').addEventListener('click', () => actions.step());
  byId('back').addEventListener('click', () => actions.back());
  const timeline = byId<HTMLInputElement>('timeline');
  timeline.addEventListener('input', () => {
    byId<HTMLOutputElement>('timeline-out').value = `step ${timeline.value}`;
  });
  timeline.addEventListener('change', () => actions.goToStep(Number(timeline.value)));
  byId('play').addEventListener('click', () => actions.togglePlay());
  byId('reset').addEventListener('click', () => actions.reset());
  const speed = byId<HTMLInputElement>('speed');
  const speedOut = byId<HTMLOutputElement>('speed-out');
  const setSpeed = () => {
    actions.setSpeed(Number(speed.value));
    speedOut.value = `${speed.value} step${speed.value === '1' ? '' : 's'}/s`;
  };
  speed.addEventListener('input', setSpeed);
  setSpeed();

  byId('zoom-in').addEventListener('click', () => actions.zoom(1));
  byId('zoom-out').addEventListener('click', () => actions.zoom(-1));
  byId('zoom-fit').addEventListener('click', () => actions.fit());
  byId('zoom-change').addEventListener('click', () => actions.zoomToChange());
  byId('map').addEventListener('keydown', (event) => {
    if (event.key === 'z') actions.zoomToChange();
  });

  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) actions.runToEnd();
    else if (event.key === 'F10' && event.shiftKey) actions.back();
    else if (event.key === 'F10') actions.step();
    else if (event.key === 'F8' && event.shiftKey) actions.reset();
    else if (event.key === 'F8') actions.togglePlay();
    else if (event.key === 'F9') actions.toggleBreakpointAtCaret();
    else if (event.key === 'F4') actions.runToCaret();
    else if (event.key !== 'Escape' || !actions.stop()) return;
    event.preventDefault();
  });
}
