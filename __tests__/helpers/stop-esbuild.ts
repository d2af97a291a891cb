import { stop } from 'esbuild';

// Synth and bundle tests start esbuild's service process; stop it after every test file that did.
afterAll(() => stop());
