import { Playground } from './app.js';
import './teaching.css';

const playground = new Playground();
// Tests and curious users can reach the running page from the console.
(window as unknown as { playground: Playground }).playground = playground;
document.body.dataset.ready = 'true';
