export * from './schema';
export * from './load';
export * from './images';
export * from './release';
