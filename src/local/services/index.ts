import type { AnyService } from '../core/service.js';

/**
 * Every service the emulator speaks. Adding a service means adding its folder and one line here.
 */
export const allServices: readonly AnyService[] = [];
