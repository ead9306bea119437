export { FIX_ALL_KIND, startServer, type InitializationOptions, type ServerOptions } from './server.js';
export { main, type MainIO } from './main.js';
export { SOURCE } from './convert.js';
export { VERSION } from './version.js';
