// Validates Kubernetes manifests offline: every document against the Kubernetes JSON schemas (kubernetes-models), then
// the platform's own rules (docs/deployment.md): each container sized, probed and locked down, secrets by reference
// only, and every Deployment covered by a PodDisruptionBudget, a HorizontalPodAutoscaler and a NetworkPolicy.
// Usage: node tests/manifests/validate.mjs DIR... ; prints one line per document, exits 1 on any problem.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const problems = [];
const documents = [];
for (const arg of process.argv.slice(2)) {
  const files = statSync(arg).isDirectory() ? readdirSync(arg).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(arg, f)) : [arg];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length) { problems.push(`${file}: ${doc.errors[0].message}`); continue; }
      const value = doc.toJS();
      if (value) documents.push({ file, value });
    }
  }
}
if (documents.length === 0) problems.push('no manifests found');

// 1. The Kubernetes schemas.
for (const { file, value } of documents) {
  const [group, version] = value.apiVersion.includes('/') ? value.apiVersion.split('/') : ['', value.apiVersion];
  const module = await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`).catch(() => null);
  const Model = module?.[value.kind];
  const name = `${file} ${value.kind}/${value.metadata?.name}`;
  if (!Model) { problems.push(`${name}: no schema for ${value.apiVersion} ${value.kind}`); continue; }
  try {
    new Model(value).validate();
    console.log(`valid: ${name}`);
  } catch (error) {
    problems.push(`${name}: ${error.message}`);
  }
}

// 2. The platform's rules.
const of = (kind) => documents.map((d) => d.value).filter((v) => v.kind === kind);
const selects = (selector, labels) => Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
const secretLike = /password|secret|token|connectionstrings|signingkey|authority/i;
for (const deployment of of('Deployment')) {
  const name = deployment.metadata.name;
  const pod = deployment.spec.template.spec;
  const labels = deployment.spec.template.metadata.labels;
  if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${name}: the pod must run as non-root`);
  if (!pod.affinity?.podAntiAffinity) problems.push(`${name}: replicas should spread over nodes (podAntiAffinity)`);
  for (const c of pod.containers) {
    const where = `${name}/${c.name}`;
    for (const r of ['cpu', 'memory']) {
      if (!c.resources?.requests?.[r] || !c.resources?.limits?.[r]) problems.push(`${where}: resources.requests and limits for ${r}`);
    }
    if (!c.readinessProbe || !c.livenessProbe) problems.push(`${where}: readiness and liveness probes`);
    if (c.securityContext?.readOnlyRootFilesystem !== true || c.securityContext?.allowPrivilegeEscalation !== false) {
      problems.push(`${where}: read-only root file system, no privilege escalation`);
    }
    if (!(c.securityContext?.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: drop all capabilities`);
    for (const e of c.env ?? []) {
      if (secretLike.test(e.name) && e.value !== undefined) problems.push(`${where}: ${e.name} is written in the manifest; take it from a Secret (valueFrom.secretKeyRef)`);
    }
  }
  if (!of('PodDisruptionBudget').some((p) => selects(p.spec.selector, labels))) problems.push(`${name}: no PodDisruptionBudget`);
  if (!of('HorizontalPodAutoscaler').some((h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === name)) {
    problems.push(`${name}: no HorizontalPodAutoscaler`);
  }
  if (!of('NetworkPolicy').some((n) => selects(n.spec.podSelector, labels) && n.spec.policyTypes?.includes('Ingress') && n.spec.policyTypes?.includes('Egress'))) {
    problems.push(`${name}: no NetworkPolicy limiting its ingress and egress`);
  }
}

for (const p of problems) console.error(`problem: ${p}`);
console.log(`${documents.length} document(s), ${problems.length} problem(s)`);
process.exit(problems.length ? 1 : 0);
