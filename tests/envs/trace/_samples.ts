// Small traces written for the tests, each in an exact format, with the expected results worked out by
// hand in the tests that use them.

/** Alibaba v2022 CallGraph with one of every data problem (lines numbered from 1 = header). */
export const V2022_CALLGRAPH = [
  "timestamp,traceid,service,rpc_id,um,uminstanceid,rpctype,interface,dm,dminstanceid,rt",
  "100,T1,S1,0,USER,USER,http,/a,A,A_1,20", // 2: entry at A
  "105,T1,S1,0.1,A,A_1,rpc,/b,B,B_1,8", // 3
  "106,T1,S1,0.1,A,A_1,rpc,/b,B,B_1,8", // 4: duplicate
  "110,T1,S1,0.1.1,UNKNOWN,,rpc,/c,C,C_1,3", // 5: caller inferred from 0.1 → B
  "120,T1,S1,0.2,A,A_1,rpc,/c,C,C_2,None", // 6: missing rt, kept
  "1500,T2,S1,0,USER,USER,http,/a,A,A_1,30", // 7: entry at A
  "1510,T2,S1,0.1,A,A_1,rpc,/b,B,B_2,10", // 8
  "1520,T2,S1,0.1.1,B,B_2,rpc,/d,UNAVAILABLE,,2", // 9: unknown callee
  "1530,T2,S1,0.3.1,UNAVAILABLE,,rpc,/c,C,C_1,4", // 10: unknown caller, parent 0.3 missing
  "1540,T2,S1,0.2,A,A_1,rpc,/a,A,A_2,1", // 11: self call
  "2000,T3,S2,0.1,B,B_1,rpc,/c,C,C_1,5", // 12: T3 has no entry
  "2010,T3,S2,0.1.1,C,C_1,rpc,/d,D,D_1,5", // 13
  "2100,T4,S1,0,USER,USER,http", // 14: missing fields
  "2100,T4,S1,0,USER,USER,http,/a,D,D_1,5,extra", // 15: extra field
  "abc,T4,S1,0,USER,USER,http,/a,D,D_1,5", // 16: unreadable timestamp
  "2500,T4,S1,0,USER,USER,http,/d,D,D_1,", // 17: entry at D, empty rt
  "2600,T4,S1,0.1,D,D_1,rpc,/c,C,C_1,6", // 18
  "9000,T5,S1,0,USER,USER,http,/a,A,A_1,10", // 19: entry at A; closes T1..T4 (window 5000)
  "9100,T1,S1,0.3,A,A_1,rpc,/b,B,B_1,4", // 20: late (T1 closed)
  "1000,T6,S1,0,USER,USER,http,/a,A,A_1,4", // 21: late (older than the window)
].join("\n") + "\n";

/**
 * The cleaning counts of {@linkcode V2022_CALLGRAPH} read with a 5000 ms trace window, from the line
 * comments above: 16 unreadable; 14, 15 bad field counts; 4 duplicate; 6, 17 missing rt; 5 caller
 * inferred; 10 unknown caller; 9 unknown callee; 11 self call; T3 without entry; 20, 21 late.
 */
export const V2022_CALLGRAPH_CLEANING = {
  unreadableLines: 1,
  badFieldCount: 2,
  duplicateRows: 1,
  calleeSideRows: 0,
  missingRt: 2,
  callerInferred: 1,
  unknownCaller: 1,
  unknownCallee: 1,
  selfCalls: 1,
  tracesWithoutEntry: 1,
  lateRows: 2,
};

/** Alibaba v2021 MS_CallGraph with both sides of each RPC. */
export const V2021_CALLGRAPH = [
  ",traceid,timestamp,rpcid,um,rpctype,dm,interface,rt",
  "0,t1,0,0,USER,http,A,/a,50", // 2: entry at A
  "1,t1,5,0.1,A,rpc,B,/b,10", // 3: caller side
  "2,t1,6,0.1,A,rpc,B,/b,-9", // 4: callee side → dropped
  "3,t1,7,0.1.1,B,rpc,C,/c,-3", // 5: callee side first…
  "4,t1,8,0.1.1,B,rpc,C,/c,3", // 6: …replaced by the caller side
  "5,t2,1200,0,USER,http,A,/a,40", // 7: entry at A
  "6,t2,1210,0.1,A,rpc,C,/c,None", // 8: missing rt
  "7,t2,1220,0.1,A,rpc,C,/c,None", // 9: duplicate
].join("\n") + "\n";

/** Alibaba v2021 MS_MCR_RT (long form). */
export const V2021_MCR = [
  "timestamp,msname,msinstanceid,metrics,value",
  "0,A,A1,providerRPC_MCR,10",
  "0,A,A2,providerRPC_MCR,20",
  "0,A,A1,providerRPC_RT,5",
  "0,A,A2,providerRPC_RT,7",
  "30000,A,A1,providerRPC_MCR,30",
  "30000,A,A2,providerRPC_MCR,40",
  "0,B,B1,consumerRPC_RT,100",
  "60000,B,B1,providerRPC_RT,None",
].join("\n") + "\n";

const WIDE_HEADER = "timestamp,msname,msinstanceid,nodeid,providerrpc_rt,providerrpc_mcr,consumerrpc_rt," +
  "consumerrpc_mcr,writemc_rt,writemc_mcr,readmc_rt,readmc_mcr,writedb_rt,writedb_mcr,readdb_rt,readdb_mcr," +
  "consumermq_rt,consumermq_mcr,providermq_rt,providermq_mcr,http_mcr,http_rt";

/** Alibaba v2022 MSRTMCR (wide form; MCR columns max-min normalised). */
export const V2022_MSRTMCR = [
  WIDE_HEADER,
  "0,A,A1,N1,4,0.5,1,0.2,0,0,0,0,0,0,0,0,0,0,0,0,0.1,2",
  "0,A,A2,N2,6,0.7,1,0.2,0,0,0,0,0,0,0,0,0,0,0,0,0.1,2",
  "60000,A,A1,N1,8,0.9,1,0.2,0,0,0,0,0,0,0,0,0,0,0,0,0.1,2",
  "60000,B,B1,N1,12,0.3,1,0.2,0,0,0,0,0,0,0,0,0,0,0,0,0.1,2",
].join("\n") + "\n";

/** Plain rates. */
export const PLAIN_RATES = [
  "timestamp,service,rate",
  "0,front,10",
  "500,front,20",
  "0,api,4",
  "2000,front,30",
  "2500,api,x", // 6: unreadable rate
].join("\n") + "\n";

/** Plain edges. */
export const PLAIN_EDGES = [
  "caller,callee,calls_per_request",
  "front,api,2",
  "front,db,0.5",
  "api,db,1",
  "front,front,1", // 5: self call
].join("\n") + "\n";

/** Writes `text` gzip-compressed to `path`. */
export async function writeGzip(path: string, text: string): Promise<void> {
  const stream = ReadableStream.from([new TextEncoder().encode(text)])
    .pipeThrough(new CompressionStream("gzip"));
  await Deno.writeFile(path, stream);
}
