// Times DuckDB's SUMMARIZE over a CSV read as text (issue 2's comparison with `reclink profile`).
// Usage: node bench/duckdb_summarize.mjs FILE THREADS
// Prints one JSON line: the query's elapsed seconds, the process CPU seconds it used (all
// threads), and the number of summarized columns (a check that the query did its work).
import { DuckDBInstance } from '@duckdb/node-api';

const [file, threadsArg] = process.argv.slice(2);
if (!file || !threadsArg) {
  console.error('usage: node duckdb_summarize.mjs FILE THREADS');
  process.exit(2);
}
const threads = Number.parseInt(threadsArg, 10);
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
await connection.run(`SET threads = ${threads}`);
const quoted = file.replaceAll("'", "''");
const cpuBefore = process.cpuUsage();
const start = process.hrtime.bigint();
const reader = await connection.runAndReadAll(
  `SUMMARIZE SELECT * FROM read_csv('${quoted}', all_varchar = true)`);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
const columns = reader.getRows().length;
if (columns === 0) {
  console.error('duckdb_summarize: SUMMARIZE returned no rows');
  process.exit(1);
}
console.log(JSON.stringify({
  threads,
  seconds,
  cpu_seconds: (cpu.user + cpu.system) / 1e6,
  columns,
}));
connection.closeSync();
