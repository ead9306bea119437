export * from './model-loads.js';
export * from './serving.js';
export * from './llm.js';
export * from './reproducibility.js';
export * from './training.js';
export * from './packages.js';
export * from './artifacts.js';
export * from './hub.js';
