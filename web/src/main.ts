import { byId } from './dom.js';
import { ScenarioEditor } from './editor.js';
import { EXAMPLES } from './examples.js';

const editor = new ScenarioEditor(byId<HTMLTextAreaElement>('source'), byId('gutter'));
const exampleSelect = byId<HTMLSelectElement>('example');
for (const example of EXAMPLES) exampleSelect.append(new Option(example.name, example.name));
if (EXAMPLES.length > 0) editor.text = EXAMPLES[0].text;
exampleSelect.addEventListener('change', () => {
  const example = EXAMPLES.find((e) => e.name === exampleSelect.value);
  if (example) editor.text = example.text;
});
const speed = byId<HTMLInputElement>('speed');
const speedOut = byId<HTMLOutputElement>('speed-out');
speed.addEventListener('input', () => {
  speedOut.value = `${speed.value} steps/s`;
});
document.body.dataset.ready = 'true';
