import { PGlite } from "@electric-sql/pglite";
let t=performance.now();
const a = new PGlite(); await a.waitReady; console.log("new", performance.now()-t);
await a.query("create table x(i int)"); await a.query("insert into x values (1)");
await a.query("select pg_advisory_xact_lock(1)"); console.log("advisory ok");
t=performance.now(); const dump = await a.dumpDataDir("none"); console.log("dump", performance.now()-t, dump.size);
t=performance.now(); const b = new PGlite({loadDataDir: dump}); await b.waitReady; console.log("load", performance.now()-t, (await b.query("select * from x")).rows);
