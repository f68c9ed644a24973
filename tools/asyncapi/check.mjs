// Parse and lint an AsyncAPI document with the AsyncAPI initiative's parser.
// Prints one JSON line: {"errors": [...], "warnings": [...], "infos": [...], "hints": [...]}
// where each entry is {"code", "message", "path"}. Usage: node check.mjs FILE
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Parser, fromFile } from '@asyncapi/parser';

const file = resolve(process.argv[2]);
const parser = new Parser();
const { diagnostics } = await fromFile(parser, file).parse();
const names = ['errors', 'warnings', 'infos', 'hints'];
const out = { errors: [], warnings: [], infos: [], hints: [] };
for (const d of diagnostics) {
  out[names[d.severity]].push({ code: String(d.code), message: d.message, path: d.path.join('/') });
}
process.stdout.write(JSON.stringify(out) + '\n');
