import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | null = null;

/**
 * The `yaml` package, loaded on first use. Most runs read no YAML file (environment.yml, dvc.yaml, conda lock
 * files), and loading the package costs about 30 ms of every start-up, a tenth of a cached run.
 */
export function yaml(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}
