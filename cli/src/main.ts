import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: process.stdout.isTTY,
  write: (text) => process.stdout.write(text),
});
process.exitCode = code;
