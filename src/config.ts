// Typed configuration from environment variables (and an optional .env), validated once at start-up.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import net from 'node:net';
import { projectRoot } from './paths.js';
import { addressMatcher } from './address-list.js';
import { SAME_TOKENS, tokenProblems } from './token-strength.js';
import { isHostName } from './host-name.js';
import { HNSW_DEFAULTS } from './face/ann.js';
import { DEFAULT_MODEL_NAME, FACEAPI_MODEL, resolveModel, type FaceModelSpec, type OnnxInput, type RosterRule } from './face/models.js';

export type DatabaseConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export interface Config {
  port: number;
  /** HTTPS on PORT with these PEM files (TLS_CERT, TLS_KEY); undefined: plain HTTP. */
  tls: { cert: string; key: string } | undefined;
  /** With TLS: a plain-HTTP port that redirects every request to HTTPS (HTTP_REDIRECT_PORT). */
  httpRedirectPort: number | undefined;
  host: string;
  database: DatabaseConfig;
  /** Undefined means the admin endpoints are disabled (never a default token). */
  adminToken: string | undefined;
  /** Token of the checkpoint API (/api/*); made at first start when not set (tokens.ts). */
  stationToken: string | undefined;
  /** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs of the proxies (TRUST_PROXY). */
  trustProxy: boolean | number | string;
  /** Open HTTP connections at most (slow clients cannot hold them all). */
  maxConnections: number;
  /**
   * Open connections from one client address at most (MAX_CONNECTIONS_PER_IP; 0 = no per-address cap and no
   * reserve). Counted per TCP peer, so behind a proxy it is the proxy's: TRUST_PROXY's listed proxies are not
   * capped, and with TRUST_PROXY=true or a hop count the default is 0.
   */
  maxConnectionsPerIp: number;
  /** HTTP_REDIRECT_PORT sends clients to these names (PUBLIC_HOST), besides the certificate's; the first is the default. */
  publicHosts: string[];
  /** Event-loop delay (ms) beyond which new requests get 503 until it recovers (MAX_EVENT_LOOP_DELAY_MS; 0 = off). */
  maxEventLoopDelayMs: number;
  /** Time a client has to send its whole request (REQUEST_TIMEOUT_S; raise it for huge uploads over slow links). */
  requestTimeoutMs: number;
  /** Recognitions at once from one client address / from everybody (more: 429 / 503 before the body is read). */
  recognizePerClient: number;
  recognizeMaxInflight: number;
  /**
   * Per station (client address, station token) and minute: manual searches and enrolled photos at most
   * (more: 429). A station token in the wrong hands cannot dump the roster; the admin token is not limited.
   */
  stationSearchesPerMin: number;
  stationPhotosPerMin: number;
  /** The engine's queue of recognitions (all clients) and the longest wait in it, from arrival. */
  recognizeQueue: number;
  recognizeWaitMs: number;
  /** After a door recognition, for this long a load leaves one face worker free for the door (DOOR_RESERVE_S; 0 = off). */
  doorReserveMs: number;
  /** Seconds after which the checkpoint page fades a result card back to neutral (the next student never sees it). */
  resultFadeS: number;
  /** Entry to an exam sitting opens this long before its start (SITTING_OPEN_BEFORE_MIN, minutes). */
  sittingOpenBeforeMs: number;
  /** The `Face ID docs` folder: `list of students.xlsx` and `photos/`. */
  faceIdDocs: string;
  dataDir: string;
  /** The descriptor model (FACE_MODEL): face-api's by default, or an ArcFace-layout ONNX model. */
  model: FaceModelSpec;
  /** Largest Euclidean distance between descriptors accepted as the same person (default: the model's calibrated value). */
  matchThreshold: number;
  /** Required gap between the best and the second-best (different) student: no look-alike is ever named. */
  matchMargin: number;
  /**
   * 1:1 (a station gives the student's Matricula with the frame): the largest distance to that student's
   * nearest face accepted (VERIFY_THRESHOLD; default: the model's calibrated value; undefined: 1:1 is off).
   */
  verifyThreshold: number | undefined;
  /** Roster-scoped search in an open sitting: the rule for rosters up to each size (the model's calibration; empty: off). */
  rosterRules: RosterRule[];
  /**
   * Two enrolled students closer than this are look-alikes: listed for the office and never named by
   * the camera until a better photo is loaded (default: threshold − margin).
   */
  lookalikeDistance: number;
  /** Faces narrower than this share of the largest face are background (people in the queue), not "another face". */
  multiFaceRatio: number;
  /** Checkpoint faces narrower than this (pixels) are refused: their descriptor is not reliable. */
  minFacePx: number;
  /** The enrolment-photo gate: warn in the load summary (default), refuse the row, or off. */
  enrolQuality: 'warn' | 'refuse' | 'off';
  /** How long records are kept, in days (0: for ever): the daily sweep deletes what is older (retention/sweep.ts). */
  retention: { attemptsDays: number; addedFramesDays: number; passesDays: number; auditDays: number };
  /**
   * Scheduled backups of the SQLite database (backup/schedule.ts): every `everyH` hours (0: off) a timestamped copy in
   * `dir`, the newest `keep` kept. On PostgreSQL not in the app (pg_dump from cron: README).
   */
  backup: { dir: string | undefined; everyH: number; keep: number };
  /** What erasing a student does with their passes: keep them as anonymous counts, or delete them. */
  erasePasses: 'counts' | 'delete';
  /** Nearest-neighbour search: exact scan (default) or HNSW candidates re-ranked exactly. */
  indexBackend: 'bruteforce' | 'hnsw';
  /** With INDEX_BACKEND=hnsw: from how many faces the graph is built and answers (below, the exact scan). */
  hnswFrom: number;
  /** HNSW's ef while searching: larger finds the exact nearest more often, slower. */
  hnswEf: number;
  /** IANA time zone of the exam centre: decides what "today" is. */
  timezone: string;
  faceWorkers: number;
  /** Images above this many pixels are refused before decoding (decompression bombs). */
  maxImagePixels: number;
  /** Largest accepted image upload, bytes. */
  maxImageBytes: number;
  /** Largest admin upload (Excel + zip of photos), bytes. */
  maxUploadBytes: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads `.env` in the project root into `env` without overriding variables already set. */
export function readDotEnv(file = path.join(projectRoot, '.env'), env: Env = process.env): void {
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    const key = m[1]!;
    let value = m[2]!;
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    if (env[key] === undefined) env[key] = value;
  }
}

/** Reads settings from the environment and collects every problem, so that one error names them all. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  str(name: string, def: string): string {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? def : v.trim();
  }

  optional(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  num(name: string, def: number, min: number, max: number, integer = false): number {
    const raw = this.optional(name);
    if (raw === undefined) return def;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return def;
    }
    return v;
  }

  bool(name: string, def: boolean): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return def;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    this.problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return def;
  }
}

/** DATABASE_URL: PostgreSQL by URL, or a SQLite file (default DATA_DIR/database.db). */
function readDatabase(r: EnvReader, dataDir: string): DatabaseConfig {
  const problems = r.problems;
  const dbUrl = r.str('DATABASE_URL', `sqlite:${path.join(dataDir, 'database.db')}`);
  let database: DatabaseConfig = { kind: 'sqlite', file: path.join(dataDir, 'database.db') };
  if (/^postgres(ql)?:\/\//i.test(dbUrl)) {
    try {
      new URL(dbUrl);
      database = { kind: 'postgres', url: dbUrl };
    } catch {
      problems.push('DATABASE_URL: not a valid postgres:// URL');
    }
  } else if (/^(sqlite|file):/i.test(dbUrl) || /\.(db|sqlite3?)$/i.test(dbUrl)) {
    const file = dbUrl.replace(/^(sqlite|file):(\/\/)?/i, '');
    if (file === '') problems.push('DATABASE_URL: the SQLite file name is empty');
    else database = { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(projectRoot, file) };
  } else {
    problems.push(`DATABASE_URL: expected postgres://… or sqlite:FILE, got ${JSON.stringify(dbUrl.slice(0, 40))}`);
  }

  return database;
}

/** ADMIN_TOKEN and STATION_TOKEN: strong enough, and never the same. */
function readTokens(r: EnvReader): { adminToken: string | undefined; stationToken: string | undefined } {
  const problems = r.problems;
  const adminToken = r.optional('ADMIN_TOKEN');
  if (adminToken !== undefined) problems.push(...tokenProblems('ADMIN_TOKEN', adminToken, 12));
  const stationToken = r.optional('STATION_TOKEN');
  if (stationToken !== undefined) problems.push(...tokenProblems('STATION_TOKEN', stationToken, 8));
  // The station token sits in every checkpoint's browser: were it the admin token, each station could run /admin/*.
  if (adminToken !== undefined && adminToken === stationToken) problems.push(SAME_TOKENS);

  return { adminToken, stationToken };
}

/** TRUST_PROXY: false, true, a hop count or the proxies' addresses. */
function readTrustProxy(r: EnvReader): boolean | number | string {
  const problems = r.problems;
  const trustRaw = r.str('TRUST_PROXY', 'false').toLowerCase();
  let trustProxy: boolean | number | string = false;
  if (trustRaw === 'true' || trustRaw === 'false') trustProxy = trustRaw === 'true';
  else if (/^\d+$/.test(trustRaw)) trustProxy = Number(trustRaw);
  else if (/^[0-9a-f.:/,\s]+$/.test(trustRaw)) {
    trustProxy = trustRaw.replace(/\s+/g, '');
    try {
      addressMatcher(trustProxy);
    } catch (e) {
      problems.push(`TRUST_PROXY=${JSON.stringify(trustRaw)}: ${(e as Error).message}`);
    }
  } else problems.push(`TRUST_PROXY=${JSON.stringify(trustRaw)}: expected false, true, a hop count or the proxies' addresses (e.g. 127.0.0.1,10.0.0.0/8)`);

  return trustProxy;
}

/** FACE_MODEL with ONNX_INPUT / ONNX_CHIP for an added ONNX model; a model without a calibrated rule needs MATCH_THRESHOLD. */
function readModel(r: EnvReader, dataDir: string): FaceModelSpec {
  const problems = r.problems;
  let model: FaceModelSpec = FACEAPI_MODEL;
  const modelSetting = r.str('FACE_MODEL', DEFAULT_MODEL_NAME);
  let onnxInput: Partial<OnnxInput> | undefined;
  const onnxInputRaw = r.optional('ONNX_INPUT');
  if (onnxInputRaw !== undefined) {
    const m = /^(rgb|bgr)\s*,\s*([0-9.]+)\s*,\s*([0-9.]+)$/i.exec(onnxInputRaw);
    if (!m || !(Number(m[3]) > 0)) problems.push(`ONNX_INPUT=${JSON.stringify(onnxInputRaw)}: expected ORDER,MEAN,STD, e.g. rgb,127.5,127.5`);
    else onnxInput = { order: m[1]!.toLowerCase() as 'rgb' | 'bgr', mean: Number(m[2]), std: Number(m[3]) };
  }
  const onnxChip = r.optional('ONNX_CHIP');
  if (onnxChip !== undefined && onnxChip !== 'arcface' && onnxChip !== 'intel')
    problems.push(`ONNX_CHIP=${JSON.stringify(onnxChip)}: expected arcface or intel`);
  try {
    model = resolveModel(modelSetting, dataDir, projectRoot, {
      ...(onnxInput ? { input: onnxInput } : {}),
      ...(onnxChip === 'arcface' || onnxChip === 'intel' ? { chip: onnxChip } : {}),
    });
  } catch (e) {
    problems.push(`FACE_MODEL=${JSON.stringify(modelSetting)}: ${(e as Error).message}`);
  }
  if (!model.calibrated && r.optional('MATCH_THRESHOLD') === undefined) {
    problems.push(`FACE_MODEL=${JSON.stringify(modelSetting)} has no calibrated threshold: measure one with \`npm run calibrate\` and set MATCH_THRESHOLD`);
  }

  return model;
}

/** TLS_CERT + TLS_KEY (both readable now), HTTP_REDIRECT_PORT, PUBLIC_HOST. */
function readHttps(r: EnvReader): Pick<Config, 'tls' | 'httpRedirectPort' | 'publicHosts'> {
  const problems = r.problems;
  // HTTPS without a proxy: both PEM files, readable now (a typo must stop the start, not the first station).
  const tlsCert = r.optional('TLS_CERT');
  const tlsKey = r.optional('TLS_KEY');
  let tls: Config['tls'];
  if ((tlsCert === undefined) !== (tlsKey === undefined)) problems.push('TLS_CERT and TLS_KEY: set both (PEM files, e.g. from `npm run cert`) or neither');
  else if (tlsCert !== undefined && tlsKey !== undefined) {
    tls = { cert: path.resolve(projectRoot, tlsCert), key: path.resolve(projectRoot, tlsKey) };
    for (const [name, file] of [
      ['TLS_CERT', tls.cert],
      ['TLS_KEY', tls.key],
    ] as const) {
      try {
        fs.accessSync(file, fs.constants.R_OK);
      } catch {
        problems.push(`${name}=${JSON.stringify(file)}: the file cannot be read`);
      }
    }
  }
  const httpRedirectPort = r.optional('HTTP_REDIRECT_PORT') === undefined ? undefined : r.num('HTTP_REDIRECT_PORT', 0, 1, 65535, true);
  if (httpRedirectPort !== undefined && !tls) problems.push('HTTP_REDIRECT_PORT: needs TLS_CERT and TLS_KEY (it redirects plain HTTP to HTTPS)');
  const publicHosts = (r.optional('PUBLIC_HOST') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  for (const h of publicHosts)
    if (!isHostName(h) && net.isIP(h) === 0) problems.push(`PUBLIC_HOST: ${JSON.stringify(h)} is not a host name or an IP address (no scheme, port or path)`);

  return { tls, httpRedirectPort, publicHosts };
}

/** BACKUP_DIR, BACKUP_EVERY_H, BACKUP_KEEP: scheduled SQLite backups. */
function readBackup(r: EnvReader, database: DatabaseConfig): Config['backup'] {
  const problems = r.problems;
  const backupDirRaw = r.optional('BACKUP_DIR');
  const backupEveryH = r.num('BACKUP_EVERY_H', 0, 0, 8760);
  const backupKeep = r.num('BACKUP_KEEP', 7, 1, 10_000, true);
  if (backupEveryH > 0 && backupDirRaw === undefined) problems.push('BACKUP_EVERY_H: задайте и BACKUP_DIR — папку для копий / set BACKUP_DIR too');
  if (backupEveryH > 0 && database.kind === 'postgres')
    problems.push('BACKUP_EVERY_H: на PostgreSQL копии по расписанию делает pg_dump из cron (README), не сервер / on PostgreSQL schedule pg_dump with cron');

  return { dir: backupDirRaw === undefined ? undefined : path.resolve(projectRoot, backupDirRaw), everyH: backupEveryH, keep: backupKeep };
}

export function loadConfig(env: Env = process.env): Config {
  const r = new EnvReader(env);
  const problems = r.problems;
  const str = r.str.bind(r);
  const num = r.num.bind(r);
  const optional = r.optional.bind(r);
  const bool = r.bool.bind(r);

  const dataDir = path.resolve(projectRoot, str('DATA_DIR', 'data'));
  const database = readDatabase(r, dataDir);
  const { adminToken, stationToken } = readTokens(r);
  const trustProxy = readTrustProxy(r);
  const timezone = str('TIMEZONE', 'Asia/Tashkent');
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: timezone });
  } catch {
    problems.push(`TIMEZONE=${JSON.stringify(timezone)}: not an IANA time zone (e.g. Asia/Tashkent)`);
  }

  const model = readModel(r, dataDir);
  const erasePasses = str('ERASE_PASSES', 'counts');
  if (erasePasses !== 'counts' && erasePasses !== 'delete') problems.push(`ERASE_PASSES=${JSON.stringify(erasePasses)}: expected counts or delete`);
  const enrolQuality = str('ENROL_QUALITY', 'warn');
  if (enrolQuality !== 'warn' && enrolQuality !== 'refuse' && enrolQuality !== 'off')
    problems.push(`ENROL_QUALITY=${JSON.stringify(enrolQuality)}: expected warn, refuse or off`);

  const backup = readBackup(r, database);
  const indexBackend = str('INDEX_BACKEND', 'bruteforce');
  if (indexBackend !== 'bruteforce' && indexBackend !== 'hnsw') problems.push(`INDEX_BACKEND=${JSON.stringify(indexBackend)}: expected bruteforce or hnsw`);

  const { tls, httpRedirectPort, publicHosts } = readHttps(r);
  const logLevel = str('LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected fatal|error|warn|info|debug|trace|silent`);
  }

  const matchThreshold = num('MATCH_THRESHOLD', model.calibrated?.threshold ?? 0.45, 0.05, 2);
  const matchMargin = num('MATCH_MARGIN', model.calibrated?.margin ?? 0, 0, 2);
  const verifyRaw = optional('VERIFY_THRESHOLD');
  const verifyThreshold =
    verifyRaw !== undefined || model.calibrated?.verify !== undefined ? num('VERIFY_THRESHOLD', model.calibrated?.verify ?? 0, 0.05, 2) : undefined;
  const rosterSearch = bool('ROSTER_SEARCH', true);
  const config: Config = {
    port: num('PORT', 8000, 0, 65535, true),
    tls,
    httpRedirectPort,
    host: str('HOST', '0.0.0.0'),
    database,
    adminToken,
    stationToken,
    trustProxy,
    maxConnections: num('MAX_CONNECTIONS', 512, 8, 100_000, true),
    // Behind a proxy trusted by count or by `true` every peer may be the proxy: no per-address cap unless set.
    maxConnectionsPerIp: num('MAX_CONNECTIONS_PER_IP', trustProxy === true || typeof trustProxy === 'number' ? 0 : 32, 0, 100_000, true),
    publicHosts,
    maxEventLoopDelayMs: num('MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 600_000, true),
    requestTimeoutMs: Math.round(num('REQUEST_TIMEOUT_S', 120, 1, 86_400) * 1000),
    recognizePerClient: num('RECOGNIZE_PER_CLIENT', 2, 1, 1000, true),
    recognizeMaxInflight: num('RECOGNIZE_MAX_INFLIGHT', 32, 1, 10_000, true),
    stationSearchesPerMin: num('STATION_SEARCHES_PER_MIN', 30, 1, 100_000, true),
    stationPhotosPerMin: num('STATION_PHOTOS_PER_MIN', 60, 1, 100_000, true),
    recognizeQueue: num('RECOGNIZE_QUEUE', 8, 1, 10_000, true),
    recognizeWaitMs: Math.round(num('RECOGNIZE_WAIT_S', 10, 0.5, 600) * 1000),
    doorReserveMs: Math.round(num('DOOR_RESERVE_S', 120, 0, 86_400) * 1000),
    resultFadeS: num('RESULT_FADE_S', 20, 1, 3600),
    sittingOpenBeforeMs: Math.round(num('SITTING_OPEN_BEFORE_MIN', 30, 0, 720) * 60_000),
    faceIdDocs: path.resolve(projectRoot, str('FACE_ID_DOCS', 'Face ID docs')),
    dataDir,
    model,
    verifyThreshold,
    rosterRules: rosterSearch ? (model.calibrated?.rosters ?? []) : [],
    matchThreshold,
    matchMargin,
    lookalikeDistance: num('LOOKALIKE_DISTANCE', Math.round(Math.max(0, matchThreshold - matchMargin) * 1000) / 1000, 0, 2),
    multiFaceRatio: num('MULTI_FACE_RATIO', 0.5, 0, 1),
    minFacePx: num('MIN_FACE_PX', 50, 10, 1000, true),
    enrolQuality: enrolQuality === 'refuse' || enrolQuality === 'off' ? enrolQuality : 'warn',
    retention: {
      attemptsDays: num('RETENTION_DAYS_ATTEMPTS', 90, 0, 36_500, true),
      addedFramesDays: num('RETENTION_DAYS_ADDED_FRAMES', 30, 0, 36_500, true),
      passesDays: num('RETENTION_DAYS_PASSES', 365, 0, 36_500, true),
      auditDays: num('RETENTION_DAYS_AUDIT', 730, 0, 36_500, true),
    },
    backup,
    erasePasses: erasePasses === 'delete' ? 'delete' : 'counts',
    timezone,
    indexBackend: indexBackend === 'hnsw' ? 'hnsw' : 'bruteforce',
    hnswFrom: num('HNSW_FROM', 2_000_000, 0, 1_000_000_000, true),
    hnswEf: num('HNSW_EF', HNSW_DEFAULTS.expansionSearch, 16, 4096, true),
    faceWorkers: num('FACE_WORKERS', Math.max(1, os.availableParallelism()), 1, 64, true),
    maxImagePixels: num('MAX_IMAGE_PIXELS', 40_000_000, 10_000, 200_000_000, true),
    maxImageBytes: Math.round(num('MAX_IMAGE_MB', 15, 0.1, 200) * 1024 * 1024),
    maxUploadBytes: Math.round(num('MAX_UPLOAD_MB', 1024, 1, 65536) * 1024 * 1024),
    logLevel,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
