// Usage: node client.mjs HOST:PORT TOKEN USCC
// Loads protos/ with @grpc/proto-loader and calls three huiqi.v1 RPCs with @grpc/grpc-js; prints one JSON line.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [address, token, uscc] = process.argv.slice(2);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../protos');
const definition = protoLoader.loadSync(
  ['huiqi/v1/policy.proto', 'huiqi/v1/enterprise.proto', 'huiqi/v1/eligibility.proto'],
  { includeDirs: [root], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).huiqi.v1;
const metadata = new grpc.Metadata();
metadata.add('authorization', `Bearer ${token}`);
const call = (client, method, request, md = metadata) => new Promise((resolve, reject) =>
  client[method](request, md, (error, response) => (error ? reject(error) : resolve(response))));

const credentials = grpc.credentials.createInsecure();
const policies = new v1.PolicyService(address, credentials);
const enterprises = new v1.EnterpriseService(address, credentials);
const eligibility = new v1.EligibilityService(address, credentials);

const listed = await call(policies, 'ListPolicies', { as_of: '2026-06-01', page_size: 500 });
const profile = await call(enterprises, 'GetProfile', { uscc });
const matched = await call(eligibility, 'MatchEnterprise', { uscc, as_of: '2026-06-01' });
let unauthenticated = null;
try {
  await call(policies, 'ListPolicies', {}, new grpc.Metadata());
} catch (error) {
  unauthenticated = error.code === grpc.status.UNAUTHENTICATED;
}

console.log(JSON.stringify({
  policies: listed.policies.map((p) => p.id),
  profileUscc: profile.uscc,
  profileRegion: profile.region ?? null,
  answers: matched.answers.length,
  firstStatus: matched.answers[0]?.status ?? null,
  eligibleTotalFen: matched.eligible_total_fen,
  unauthenticated,
}));
policies.close(); enterprises.close(); eligibility.close();
