/**
 * `itinera users …`: console users from the command line, for the first admin (before
 * anyone can sign in) and for whoever runs the server. Writes to the configured database
 * (MONGODB_URI, or the embedded FerretDB that `npm start` runs); needs no Temporal and no
 * HTTP server. Passwords come from standard input, never the arguments (which other users
 * of the machine can see in the process list, and shells keep in their history):
 *
 *   echo "$PASSWORD" | itinera users add ada --role marketer
 *   itinera users add ada --role marketer          (asks, without echoing)
 *   itinera users password ada                     (a new password; ends ada's sessions, lifts a lock)
 *   itinera users list
 */
import { AccountError } from './accounts/errors.js';
import { isRole, ROLES } from './accounts/roles.js';
import { addUser, changeUser, listUsers } from './accounts/users.js';
import type { CliIO } from './cli-io.js';
import { ConfigError, loadConfig } from './config.js';
import { connectMongo, createStores } from './store/index.js';

export const USERS_USAGE = 'itinera users add <name> --role <role> | users password <name> | users list';
/** The audit log's actor for changes made here: whoever can run the server's command line. */
const CLI_ACTOR = 'cli';

const EXIT_OK = 0;
const EXIT_ERRORS = 1;
const EXIT_USAGE = 2;

/** The first line of standard input; asked for without echo when it is a terminal. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) return readHidden(prompt);
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new Error('interrupted'));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

type Parsed = { action: 'add'; name: string; role: string } | { action: 'password'; name: string } | { action: 'list' };

function parse(args: string[]): Parsed | undefined {
  const [action, ...rest] = args;
  if (action === 'list' && rest.length === 0) return { action };
  if (action === 'password' && rest.length === 1 && !rest[0]!.startsWith('-')) return { action, name: rest[0]! };
  if (action !== 'add') return undefined;
  let name: string | undefined;
  let role: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--role') role = rest[++i];
    else if (arg.startsWith('--role=')) role = arg.slice('--role='.length);
    else if (!arg.startsWith('-') && name === undefined) name = arg;
    else return undefined;
  }
  return name !== undefined && role !== undefined ? { action, name, role } : undefined;
}

export async function runUsersCommand(args: string[], io: CliIO): Promise<number> {
  const parsed = parse(args);
  if (!parsed) {
    io.err(`usage: ${USERS_USAGE}`);
    return EXIT_USAGE;
  }
  if (parsed.action === 'add' && !isRole(parsed.role)) {
    io.err(`itinera users: unknown role "${parsed.role}" (roles: ${ROLES.join(', ')})`);
    return EXIT_USAGE;
  }
  // Read before connecting: a refused password costs no connection.
  const password = parsed.action === 'list' ? undefined : await readPassword(`Password for ${parsed.name}: `);
  if (password === '') {
    io.err('itinera users: no password on standard input (for example: echo "$PASSWORD" | itinera users add …)');
    return EXIT_ERRORS;
  }

  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`itinera users: ${error.message}`);
    return EXIT_ERRORS;
  }
  const uri = config.mongo.uri ?? `mongodb://127.0.0.1:${config.mongo.embeddedPort}/`;
  let client;
  try {
    client = await connectMongo(uri, 2);
  } catch (error) {
    io.err(`itinera users: cannot reach the database (${(error as Error).message}); start Itinera (npm start) or set MONGODB_URI`);
    return EXIT_ERRORS;
  }
  try {
    const stores = createStores(client.db(config.mongo.dbName));
    const deps = { users: stores.users, audit: stores.audit, now: () => new Date() };
    switch (parsed.action) {
      case 'list':
        for (const user of await listUsers(deps)) {
          const state = user.disabled ? 'disabled' : `last sign-in ${user.lastSignInAt?.toISOString() ?? 'never'}`;
          io.out(`${user.name}\t${user.role}\t${state}`);
        }
        return EXIT_OK;
      case 'add': {
        const user = await addUser(
          deps,
          { name: parsed.name, role: parsed.role as (typeof ROLES)[number], password: password! },
          CLI_ACTOR,
        );
        io.out(`added ${user.name} (${user.role})`);
        return EXIT_OK;
      }
      case 'password': {
        const user = await changeUser(deps, parsed.name, { password: password! }, CLI_ACTOR);
        io.out(`new password for ${user.name}; their sessions have ended`);
        return EXIT_OK;
      }
    }
  } catch (error) {
    if (!(error instanceof AccountError)) throw error;
    io.err(`itinera users: ${error.message}`);
    return EXIT_ERRORS;
  } finally {
    await client.close();
  }
}
