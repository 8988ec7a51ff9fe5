/** The arguments of `itinera import`, parsed into a request or a usage error. */
import { IMPORT_KINDS, type ImportKind } from './types.js';

export const IMPORT_USAGE = 'itinera import profiles|events <file.csv> [--map column=target[:type]]… [--chunk-size N]';

/** The largest chunk: the size of Segment's biggest batch. */
export const MAX_CHUNK_SIZE = 10_000;

export interface ImportArgs {
  kind: ImportKind;
  file: string;
  mapSpecs: string[];
  chunkSize?: number;
}

export type ParsedArgs = { ok: true; args: ImportArgs } | { ok: false; help: boolean; error?: string };

const usageError = (error: string): ParsedArgs => ({ ok: false, help: false, error });

/** `--name value` or `--name=value`; undefined when the value is missing. */
function optionValue(argv: readonly string[], index: number, name: string): { value: string | undefined; next: number } {
  const arg = argv[index]!;
  if (arg.startsWith(`${name}=`)) return { value: arg.slice(name.length + 1), next: index };
  return { value: argv[index + 1], next: index + 1 };
}

export function parseImportArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const mapSpecs: string[] = [];
  let chunkSize: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { ok: false, help: true };
    if (arg === '--map' || arg.startsWith('--map=')) {
      const { value, next } = optionValue(argv, i, '--map');
      if (value === undefined) return usageError('--map needs a value, as in --map email=email');
      mapSpecs.push(value);
      i = next;
    } else if (arg === '--chunk-size' || arg.startsWith('--chunk-size=')) {
      const { value, next } = optionValue(argv, i, '--chunk-size');
      const size = Number(value);
      if (value === undefined || !/^\d+$/.test(value) || size < 1 || size > MAX_CHUNK_SIZE) {
        return usageError(`--chunk-size needs a whole number from 1 to ${MAX_CHUNK_SIZE}`);
      }
      chunkSize = size;
      i = next;
    } else if (arg.startsWith('-') && arg !== '-') {
      return usageError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  const [kind, file, ...extra] = positional;
  if (kind === undefined) return usageError('say what to import: profiles or events');
  if (!(IMPORT_KINDS as readonly string[]).includes(kind))
    return usageError(`cannot import "${kind}": the choices are profiles and events`);
  if (file === undefined) return usageError('name the CSV file to import');
  if (extra.length > 0) return usageError(`one file at a time (also got ${extra.join(' ')})`);
  return { ok: true, args: { kind: kind as ImportKind, file, mapSpecs, ...(chunkSize !== undefined ? { chunkSize } : {}) } };
}
