// Runs in each example-suite worker before the suite: the AWS environment chosen by examples/setup.ts.
import { inject } from 'vitest';

Object.assign(process.env, inject('examplesEnv'));
