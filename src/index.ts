export { EventProbeError } from './errors.js';
